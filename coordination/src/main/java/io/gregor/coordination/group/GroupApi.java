package io.gregor.coordination.group;

/** The group APIs, for the checks that differ between them (which accept an empty group id). */
public enum GroupApi {
    JOIN_GROUP,
    SYNC_GROUP,
    HEARTBEAT,
    LEAVE_GROUP,
    OFFSET_COMMIT,
    OFFSET_FETCH,
    DESCRIBE_GROUPS,
    DELETE_GROUPS,
    OFFSET_DELETE;

    /** Offset commit/fetch, describe and delete accept the empty group id, as Kafka does for old clients. */
    boolean acceptsEmptyGroupId() {
        return this == OFFSET_COMMIT || this == OFFSET_FETCH || this == DESCRIBE_GROUPS || this == DELETE_GROUPS;
    }
}
