package io.gregor.broker.api;

import java.util.Map;
import java.util.Set;

/**
 * The broker settings the API handlers consult, plus every broker config for DescribeConfigs
 * ({@code explicitBrokerConfigs}: the keys set in server.properties or the environment).
 */
public record BrokerSettings(
    int brokerId,
    boolean autoCreateTopicsEnable,
    int numPartitions,
    short defaultReplicationFactor,
    boolean deleteTopicEnable,
    int fetchMaxBytes,
    Map<String, String> brokerConfigs,
    Set<String> explicitBrokerConfigs,
    Map<String, String> topicConfigDefaults) {
}
