package io.gregor.broker.api;

import java.util.Map;

/**
 * The broker settings the API handlers consult, plus every broker config for DescribeConfigs.
 */
public record BrokerSettings(
    int brokerId,
    boolean autoCreateTopicsEnable,
    int numPartitions,
    short defaultReplicationFactor,
    boolean deleteTopicEnable,
    int fetchMaxBytes,
    Map<String, String> brokerConfigs,
    Map<String, String> topicConfigDefaults) {
}
