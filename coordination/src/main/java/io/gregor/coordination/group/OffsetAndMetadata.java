package io.gregor.coordination.group;

/**
 * A committed offset as stored: {@code leaderEpoch} -1 and {@code expireTimestamp} -1 mean
 * absent (Kafka writes value version 1 only when an expire timestamp is present).
 */
public record OffsetAndMetadata(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
    public static final int NO_LEADER_EPOCH = -1;
    public static final long NO_EXPIRE_TIMESTAMP = -1L;

    public OffsetAndMetadata {
        metadata = metadata == null ? "" : metadata;
    }

    public boolean hasExpireTimestamp() {
        return expireTimestamp != NO_EXPIRE_TIMESTAMP;
    }
}
