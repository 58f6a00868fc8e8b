package io.gregor.coordination.group;

/**
 * The errors the group coordinator answers with. The names are Kafka's error names, so the
 * protocol layer maps them one to one; the storage errors at the end are what a write to the
 * offsets topic can fail with before the coordinator translates them.
 */
public enum GroupError {
    NONE,
    UNKNOWN_SERVER_ERROR,
    COORDINATOR_NOT_AVAILABLE,
    NOT_COORDINATOR,
    COORDINATOR_LOAD_IN_PROGRESS,
    INVALID_GROUP_ID,
    INVALID_SESSION_TIMEOUT,
    UNKNOWN_MEMBER_ID,
    MEMBER_ID_REQUIRED,
    GROUP_MAX_SIZE_REACHED,
    INCONSISTENT_GROUP_PROTOCOL,
    FENCED_INSTANCE_ID,
    ILLEGAL_GENERATION,
    REBALANCE_IN_PROGRESS,
    GROUP_ID_NOT_FOUND,
    NON_EMPTY_GROUP,
    GROUP_SUBSCRIBED_TO_TOPIC,
    OFFSET_METADATA_TOO_LARGE,
    INVALID_COMMIT_OFFSET_SIZE,
    UNSTABLE_OFFSET_COMMIT,
    UNKNOWN_TOPIC_OR_PARTITION,
    // What an append to the offsets topic may fail with.
    NOT_LEADER_OR_FOLLOWER,
    NOT_ENOUGH_REPLICAS,
    NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    KAFKA_STORAGE_ERROR,
    MESSAGE_TOO_LARGE,
    RECORD_LIST_TOO_LARGE,
    INVALID_FETCH_SIZE,
    REQUEST_TIMED_OUT,
    NETWORK_EXCEPTION;

    /** The error of that Kafka name, or UNKNOWN_SERVER_ERROR for one the coordinator does not know. */
    public static GroupError byName(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return UNKNOWN_SERVER_ERROR;
        }
    }

    /** Kafka's translation of a failed offset commit append (GroupMetadataManager.maybeConvertOffsetCommitError). */
    GroupError forOffsetCommit() {
        return switch (this) {
            case NETWORK_EXCEPTION -> COORDINATOR_LOAD_IN_PROGRESS;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> INVALID_COMMIT_OFFSET_SIZE;
            default -> this;
        };
    }

    /** Kafka's translation of a failed group metadata append (GroupMetadataManager.storeGroup). */
    GroupError forGroupStore() {
        return switch (this) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> NOT_COORDINATOR;
            case REQUEST_TIMED_OUT -> REBALANCE_IN_PROGRESS;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> UNKNOWN_SERVER_ERROR;
            default -> this;
        };
    }
}
