package io.gregor.broker.metadata;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.errors.InvalidConfigurationException;

import io.gregor.storage.log.LogConfig;

/**
 * Kafka's topic-level config keys: which exist, which broker key supplies each default, and
 * what a valid value looks like. Values are kept as the strings clients sent, as Kafka does.
 */
public final class TopicConfigs {
    private enum Type { INT, LONG, BOOLEAN, DOUBLE, STRING, LIST }

    private record Key(Type type, String brokerKey, String fallbackDefault, long min, List<String> allowed) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        define("cleanup.policy", Type.LIST, "log.cleanup.policy", "delete", Long.MIN_VALUE, List.of("delete", "compact"));
        define("compression.type", Type.STRING, "compression.type", "producer", Long.MIN_VALUE,
            List.of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"));
        define("delete.retention.ms", Type.LONG, "log.cleaner.delete.retention.ms", "86400000", 0, null);
        define("file.delete.delay.ms", Type.LONG, "log.segment.delete.delay.ms", "60000", 0, null);
        define("flush.messages", Type.LONG, "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE), 1, null);
        define("flush.ms", Type.LONG, "log.flush.interval.ms", String.valueOf(Long.MAX_VALUE), 0, null);
        define("follower.replication.throttled.replicas", Type.LIST, null, "", Long.MIN_VALUE, null);
        define("index.interval.bytes", Type.INT, "log.index.interval.bytes", "4096", 0, null);
        define("leader.replication.throttled.replicas", Type.LIST, null, "", Long.MIN_VALUE, null);
        define("local.retention.bytes", Type.LONG, "log.local.retention.bytes", "-2", -2, null);
        define("local.retention.ms", Type.LONG, "log.local.retention.ms", "-2", -2, null);
        define("max.compaction.lag.ms", Type.LONG, "log.cleaner.max.compaction.lag.ms", String.valueOf(Long.MAX_VALUE), 1, null);
        define("max.message.bytes", Type.INT, "message.max.bytes", "1048588", 0, null);
        define("message.downconversion.enable", Type.BOOLEAN, "log.message.downconversion.enable", "true", Long.MIN_VALUE, null);
        define("message.timestamp.after.max.ms", Type.LONG, "log.message.timestamp.after.max.ms",
            String.valueOf(Long.MAX_VALUE), 0, null);
        define("message.timestamp.before.max.ms", Type.LONG, "log.message.timestamp.before.max.ms",
            String.valueOf(Long.MAX_VALUE), 0, null);
        define("message.timestamp.difference.max.ms", Type.LONG, "log.message.timestamp.difference.max.ms",
            String.valueOf(Long.MAX_VALUE), 0, null);
        define("message.timestamp.type", Type.STRING, "log.message.timestamp.type", "CreateTime", Long.MIN_VALUE,
            List.of("CreateTime", "LogAppendTime"));
        define("min.cleanable.dirty.ratio", Type.DOUBLE, "log.cleaner.min.cleanable.ratio", "0.5", 0, null);
        define("min.compaction.lag.ms", Type.LONG, "log.cleaner.min.compaction.lag.ms", "0", 0, null);
        define("min.insync.replicas", Type.INT, "min.insync.replicas", "1", 1, null);
        define("preallocate", Type.BOOLEAN, "log.preallocate", "false", Long.MIN_VALUE, null);
        define("remote.storage.enable", Type.BOOLEAN, null, "false", Long.MIN_VALUE, null);
        define("retention.bytes", Type.LONG, "log.retention.bytes", "-1", Long.MIN_VALUE, null);
        define("retention.ms", Type.LONG, "log.retention.ms", "604800000", -1, null);
        define("segment.bytes", Type.INT, "log.segment.bytes", "1073741824", 14, null);
        define("segment.index.bytes", Type.INT, "log.index.size.max.bytes", "10485760", 4, null);
        define("segment.jitter.ms", Type.LONG, "log.roll.jitter.ms", "0", 0, null);
        define("segment.ms", Type.LONG, "log.roll.ms", "604800000", 1, null);
        define("unclean.leader.election.enable", Type.BOOLEAN, "unclean.leader.election.enable", "false", Long.MIN_VALUE, null);
    }

    private static void define(String name, Type type, String brokerKey, String fallback, long min, List<String> allowed) {
        KEYS.put(name, new Key(type, brokerKey, fallback, min, allowed));
    }

    private final Map<String, String> defaults;

    /**
     * @param brokerConfigs the broker's effective config; the topic defaults are taken from it
     *                      under the broker-level names ({@code log.retention.ms} for {@code retention.ms})
     */
    public TopicConfigs(Map<String, String> brokerConfigs) {
        Map<String, String> resolved = new LinkedHashMap<>();
        KEYS.forEach((name, key) -> {
            String value = key.brokerKey() == null ? null : brokerConfigs.get(key.brokerKey());
            resolved.put(name, value == null ? key.fallbackDefault() : value);
        });
        this.defaults = Map.copyOf(resolved);
    }

    /** The broker-level key that supplies the default of topic key {@code name} (say log.retention.ms), or the name itself. */
    public static String brokerKey(String name) {
        Key key = KEYS.get(name);
        return key == null || key.brokerKey() == null ? name : key.brokerKey();
    }

    public static boolean isKnown(String name) {
        return KEYS.containsKey(name);
    }

    /** Every topic key with its broker default, in Kafka's alphabetical order. */
    public Map<String, String> defaults() {
        Map<String, String> ordered = new LinkedHashMap<>();
        KEYS.keySet().forEach(k -> ordered.put(k, defaults.get(k)));
        return ordered;
    }

    /** The effective value: the override if there is one, else the broker default. */
    public String effective(String name, Map<String, String> overrides) {
        String value = overrides.get(name);
        return value != null ? value : defaults.get(name);
    }

    /** Checks overrides as CreateTopics and AlterConfigs must: known keys, well-formed values. */
    public static void validate(Map<String, String> overrides) {
        overrides.forEach((name, value) -> {
            Key key = KEYS.get(name);
            if (key == null)
                throw new InvalidConfigurationException("Unknown topic config name: " + name);
            if (value == null)
                throw new InvalidConfigurationException("Null value not supported for topic configs: " + name);
            check(name, value.trim(), key);
        });
    }

    private static void check(String name, String value, Key key) {
        try {
            switch (key.type()) {
                case INT -> min(name, value, Integer.parseInt(value), key.min());
                case LONG -> min(name, value, Long.parseLong(value), key.min());
                case DOUBLE -> min(name, value, (long) Math.floor(Double.parseDouble(value)), key.min());
                case BOOLEAN -> {
                    String lower = value.toLowerCase(Locale.ROOT);
                    if (!lower.equals("true") && !lower.equals("false"))
                        throw invalid(name, value, "Expected value to be either true or false");
                }
                case STRING -> {
                    if (key.allowed() != null && !key.allowed().contains(value))
                        throw invalid(name, value, "String must be one of: " + String.join(", ", key.allowed()));
                }
                case LIST -> {
                    if (key.allowed() != null) {
                        for (String item : value.split(",")) {
                            if (!key.allowed().contains(item.trim()))
                                throw invalid(name, value, "Invalid value " + item.trim() + " for configuration " + name
                                    + ": String must be one of: " + String.join(", ", key.allowed()));
                        }
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw invalid(name, value, "Not a number of type " + key.type());
        }
    }

    private static void min(String name, String value, long parsed, long min) {
        if (parsed < min)
            throw invalid(name, value, "Value must be at least " + min);
    }

    private static InvalidConfigurationException invalid(String name, String value, String reason) {
        return new InvalidConfigurationException("Invalid value " + value + " for configuration " + name + ": " + reason);
    }

    /** The storage settings of a topic: the broker's log defaults with the topic's overrides. */
    public LogConfig logConfig(LogConfig brokerDefault, Map<String, String> overrides) {
        return brokerDefault.with(overrides);
    }

    public int minInsyncReplicas(Map<String, String> overrides) {
        return Integer.parseInt(effective("min.insync.replicas", overrides).trim());
    }
}
