package io.gregor.coordination.group;

/**
 * The coordinator's settings, with Kafka's names: group.min/max.session.timeout.ms,
 * group.max.size, group.initial.rebalance.delay.ms, offset.metadata.max.bytes,
 * offsets.retention.minutes (in ms here).
 */
public record GroupCoordinatorConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int maxSize,
                                     int initialRebalanceDelayMs, int offsetMetadataMaxBytes, long offsetsRetentionMs,
                                     long newMemberJoinTimeoutMs) {
    /** Kafka's GroupCoordinator.NewMemberJoinTimeoutMs. */
    public static final long NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000L;

    public static GroupCoordinatorConfig defaults() {
        return new GroupCoordinatorConfig(6000, 1800000, Integer.MAX_VALUE, 3000, 4096, 7 * 24 * 3600 * 1000L,
            NEW_MEMBER_JOIN_TIMEOUT_MS);
    }

    public GroupCoordinatorConfig withMaxSize(int size) {
        return new GroupCoordinatorConfig(minSessionTimeoutMs, maxSessionTimeoutMs, size, initialRebalanceDelayMs,
            offsetMetadataMaxBytes, offsetsRetentionMs, newMemberJoinTimeoutMs);
    }

    public GroupCoordinatorConfig withInitialRebalanceDelayMs(int delay) {
        return new GroupCoordinatorConfig(minSessionTimeoutMs, maxSessionTimeoutMs, maxSize, delay,
            offsetMetadataMaxBytes, offsetsRetentionMs, newMemberJoinTimeoutMs);
    }

    public GroupCoordinatorConfig withOffsetsRetentionMs(long retention) {
        return new GroupCoordinatorConfig(minSessionTimeoutMs, maxSessionTimeoutMs, maxSize, initialRebalanceDelayMs,
            offsetMetadataMaxBytes, retention, newMemberJoinTimeoutMs);
    }
}
