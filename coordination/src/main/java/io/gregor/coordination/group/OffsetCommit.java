package io.gregor.coordination.group;

/**
 * One partition of an OffsetCommit request. {@code commitTimestamp} -1 means "now" (only v1
 * carries one); {@code retentionMs} -1 means no per-commit retention (only v2 to v4 carry one).
 */
public record OffsetCommit(long offset, int leaderEpoch, String metadata, long commitTimestamp, long retentionMs) {
    public static OffsetCommit of(long offset, String metadata) {
        return new OffsetCommit(offset, OffsetAndMetadata.NO_LEADER_EPOCH, metadata, -1L, -1L);
    }
}
