package io.gregor.broker.metadata;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.ApiError;

import io.vertx.core.Future;

/**
 * Topic lifecycle and partition leadership: every change goes to ZooKeeper first, then to the
 * metadata cache and the log shards, so a restart finds exactly what clients were told. Failures
 * carry Kafka's {@link org.apache.kafka.common.errors.ApiException}s.
 */
public interface TopicManager {

    /**
     * Creates a topic. {@code assignment} (partition to replicas) may be empty, then the
     * partitions and replication factor decide it.
     */
    Future<TopicImage> createTopic(String name, int partitions, short replicationFactor,
                                   Map<Integer, List<Integer>> assignment, Map<String, String> configs, boolean validateOnly);

    Future<Void> deleteTopic(String name);

    /** Grows a topic to {@code totalPartitions}. */
    Future<Void> createPartitions(String name, int totalPartitions, List<List<Integer>> assignment, boolean validateOnly);

    /** Replaces the topic's config overrides with {@code configs}. */
    Future<Void> alterTopicConfigs(String name, Map<String, String> configs, boolean validateOnly);

    /**
     * Kafka's ElectLeaders: moves the leadership of {@code partitions} (every partition when null) to the preferred
     * replica, or, unclean, to any live replica of a partition without a live leader. Completes with every
     * partition's outcome once the brokers have taken up the new leaders.
     */
    Future<Map<TopicPartition, ApiError>> electLeaders(ElectionType type, Set<TopicPartition> partitions);
}
