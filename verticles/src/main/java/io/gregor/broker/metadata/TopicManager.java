package io.gregor.broker.metadata;

import java.util.List;
import java.util.Map;

import io.vertx.core.Future;

/**
 * Topic lifecycle: every change goes to ZooKeeper first, then to the metadata cache and the log
 * shards, so a restart finds exactly what clients were told. Failures carry Kafka's
 * {@link org.apache.kafka.common.errors.ApiException}s.
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
}
