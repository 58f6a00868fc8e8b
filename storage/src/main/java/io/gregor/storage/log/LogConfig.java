package io.gregor.storage.log;

import java.util.Map;

import org.apache.kafka.common.record.TimestampType;

/**
 * The topic-level settings the log obeys, under Kafka's names and with Kafka's defaults.
 * Immutable: a config change swaps the whole object. Kafka's {@code preallocate} is not here
 * because an active segment is always mapped, and so sized, to {@code segment.bytes}.
 */
public record LogConfig(
    int segmentBytes,
    long segmentMs,
    int segmentIndexBytes,
    int indexIntervalBytes,
    int maxMessageBytes,
    TimestampType timestampType,
    long retentionMs,
    long retentionBytes,
    long flushMessages,
    long flushMs,
    long fileDeleteDelayMs,
    String cleanupPolicy) {

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";

    /** The smallest segment that still holds a batch header; Kafka's own floor is higher (14 bytes + overhead). */
    private static final int MIN_SEGMENT_BYTES = 14;

    public static final LogConfig DEFAULT = new LogConfig(
        1024 * 1024 * 1024,
        7L * 24 * 60 * 60 * 1000,
        10 * 1024 * 1024,
        4096,
        1024 * 1024 + 12,
        TimestampType.CREATE_TIME,
        7L * 24 * 60 * 60 * 1000,
        -1L,
        Long.MAX_VALUE,
        Long.MAX_VALUE,
        60_000L,
        "delete");

    public LogConfig {
        require(segmentBytes >= MIN_SEGMENT_BYTES, SEGMENT_BYTES, segmentBytes);
        require(segmentMs >= 1, SEGMENT_MS, segmentMs);
        require(segmentIndexBytes >= 12 * 2, SEGMENT_INDEX_BYTES, segmentIndexBytes);
        require(indexIntervalBytes >= 0, INDEX_INTERVAL_BYTES, indexIntervalBytes);
        require(maxMessageBytes >= 0, MAX_MESSAGE_BYTES, maxMessageBytes);
        require(timestampType == TimestampType.CREATE_TIME || timestampType == TimestampType.LOG_APPEND_TIME,
            MESSAGE_TIMESTAMP_TYPE, timestampType);
        require(retentionMs >= -1, RETENTION_MS, retentionMs);
        require(flushMessages >= 1, FLUSH_MESSAGES, flushMessages);
        require(flushMs >= 0, FLUSH_MS, flushMs);
        require(fileDeleteDelayMs >= 0, FILE_DELETE_DELAY_MS, fileDeleteDelayMs);
        for (String policy : cleanupPolicy.split(","))
            require(policy.trim().equals("delete") || policy.trim().equals("compact"), CLEANUP_POLICY, cleanupPolicy);
    }

    /**
     * Whether retention.ms and retention.bytes delete old segments: only under the "delete"
     * policy. A compacted-only topic (__consumer_offsets) keeps its segments until compaction.
     */
    public boolean deletesByRetention() {
        for (String policy : cleanupPolicy.split(",")) {
            if (policy.trim().equals("delete"))
                return true;
        }
        return false;
    }

    private static void require(boolean valid, String key, Object value) {
        if (!valid)
            throw new IllegalArgumentException("Invalid value " + value + " for configuration " + key);
    }

    /**
     * Overlays topic-level overrides (Kafka's keys, string or numeric values) on this config.
     * Keys the log does not care about are ignored; a bad value names its key.
     */
    public LogConfig with(Map<String, ?> overrides) {
        int segmentBytes = this.segmentBytes;
        long segmentMs = this.segmentMs;
        int segmentIndexBytes = this.segmentIndexBytes;
        int indexIntervalBytes = this.indexIntervalBytes;
        int maxMessageBytes = this.maxMessageBytes;
        TimestampType timestampType = this.timestampType;
        long retentionMs = this.retentionMs;
        long retentionBytes = this.retentionBytes;
        long flushMessages = this.flushMessages;
        long flushMs = this.flushMs;
        long fileDeleteDelayMs = this.fileDeleteDelayMs;
        String cleanupPolicy = this.cleanupPolicy;
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            String key = e.getKey();
            String value = String.valueOf(e.getValue()).trim();
            try {
                switch (key) {
                    case SEGMENT_BYTES -> segmentBytes = Integer.parseInt(value);
                    case SEGMENT_MS -> segmentMs = Long.parseLong(value);
                    case SEGMENT_INDEX_BYTES -> segmentIndexBytes = Integer.parseInt(value);
                    case INDEX_INTERVAL_BYTES -> indexIntervalBytes = Integer.parseInt(value);
                    case MAX_MESSAGE_BYTES -> maxMessageBytes = Integer.parseInt(value);
                    case MESSAGE_TIMESTAMP_TYPE -> timestampType = parseTimestampType(value);
                    case RETENTION_MS -> retentionMs = Long.parseLong(value);
                    case RETENTION_BYTES -> retentionBytes = Long.parseLong(value);
                    case FLUSH_MESSAGES -> flushMessages = Long.parseLong(value);
                    case FLUSH_MS -> flushMs = Long.parseLong(value);
                    case FILE_DELETE_DELAY_MS -> fileDeleteDelayMs = Long.parseLong(value);
                    case CLEANUP_POLICY -> cleanupPolicy = value;
                    default -> { }
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("Invalid value " + value + " for configuration " + key
                    + ": not a number", ex);
            }
        }
        return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, maxMessageBytes,
            timestampType, retentionMs, retentionBytes, flushMessages, flushMs, fileDeleteDelayMs, cleanupPolicy);
    }

    private static TimestampType parseTimestampType(String value) {
        return switch (value) {
            case "CreateTime" -> TimestampType.CREATE_TIME;
            case "LogAppendTime" -> TimestampType.LOG_APPEND_TIME;
            default -> throw new IllegalArgumentException("Invalid value " + value + " for configuration "
                + MESSAGE_TIMESTAMP_TYPE + ": String must be one of: CreateTime, LogAppendTime");
        };
    }

    public LogConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }
}
