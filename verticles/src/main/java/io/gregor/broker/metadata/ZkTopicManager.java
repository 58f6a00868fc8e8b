package io.gregor.broker.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.cluster.MetadataNotifier;
import io.gregor.broker.controller.ZkLeaderElector;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.gregor.storage.log.LogConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Topic lifecycle kept in ZooKeeper in Kafka's layout. A change is written to ZooKeeper (on a
 * worker thread), then every live broker is told to reload the topic and take up its replicas;
 * only then is the client answered, so the metadata it asks for next shows the change. Replicas
 * are placed round robin over the live brokers, as Kafka does without racks.
 */
public final class ZkTopicManager implements TopicManager {
    private static final Logger log = LoggerFactory.getLogger(ZkTopicManager.class);
    private static final int CONTROLLER_EPOCH = 1;

    private final Vertx vertx;
    private final ZkMetadataStore store;
    private final MetadataCache cache;
    private final MetadataNotifier notifier;
    private final LogConfig brokerLogConfig;
    private final int brokerId;
    private final boolean deleteTopicEnable;
    private final ZkLeaderElector elector;

    public ZkTopicManager(Vertx vertx, ZkMetadataStore store, MetadataCache cache, MetadataNotifier notifier,
                          LogConfig brokerLogConfig, int brokerId, boolean deleteTopicEnable) {
        this.vertx = vertx;
        this.store = store;
        this.cache = cache;
        this.notifier = notifier;
        this.brokerLogConfig = brokerLogConfig;
        this.brokerId = brokerId;
        this.deleteTopicEnable = deleteTopicEnable;
        this.elector = new ZkLeaderElector(store);
    }

    @Override
    public Future<TopicImage> createTopic(String name, int partitions, short replicationFactor,
                                          Map<Integer, List<Integer>> assignment, Map<String, String> configs,
                                          boolean validateOnly) {
        Map<Integer, List<Integer>> replicas;
        try {
            Topic.validate(name);
            MetadataImage image = cache.image();
            if (image.topic(name).isPresent())
                throw new TopicExistsException("Topic '" + name + "' already exists.");
            for (String existing : image.topics().keySet()) {
                if (Topic.hasCollision(name, existing))
                    throw new InvalidTopicException("Topic '" + name + "' collides with existing topic: " + existing);
            }
            TopicConfigs.validate(configs);
            replicas = assignment.isEmpty() ? assign(partitions, replicationFactor, liveBrokers(image))
                : checkAssignment(assignment, liveBrokers(image));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        TopicAssignment topic = new TopicAssignment(name, Uuid.randomUuid(), replicas);
        Map<Integer, PartitionState> states = initialStates(replicas);
        TopicImage created = TopicImage.of(topic, states, configs);
        if (validateOnly)
            return Future.succeededFuture(created);
        return vertx.executeBlocking(() -> {
            store.createTopic(topic, configs, states);
            return created;
        }).compose(image -> {
            log.info("Created topic {} with {} partitions, replication factor {}, configs {}",
                name, replicas.size(), replicas.get(0).size(), configs);
            return notifier.topicsChanged(List.of(name)).map(v -> cache.image().topic(name).orElse(image));
        });
    }

    @Override
    public Future<Void> deleteTopic(String name) {
        if (!deleteTopicEnable)
            return Future.failedFuture(new TopicDeletionDisabledException(
                "Topic deletion is disabled (delete.topic.enable=false)."));
        TopicImage topic = cache.image().topic(name).orElse(null);
        if (topic == null)
            return Future.failedFuture(new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
        // Marked first: every broker then drops its replicas, and only then does the topic leave ZooKeeper.
        return vertx.executeBlocking(() -> {
            store.markTopicForDeletion(name);
            return null;
        }).compose(v -> notifier.topicsChanged(List.of(name))).compose(v -> vertx.executeBlocking(() -> {
            store.deleteTopic(name);
            log.info("Deleted topic {}", name);
            return null;
        }));
    }

    @Override
    public Future<Void> createPartitions(String name, int totalPartitions, List<List<Integer>> assignment,
                                         boolean validateOnly) {
        TopicImage topic = cache.image().topic(name).orElse(null);
        if (topic == null)
            return Future.failedFuture(new UnknownTopicOrPartitionException("The topic '" + name + "' does not exist."));
        int current = topic.partitions().size();
        if (totalPartitions < current)
            return Future.failedFuture(new InvalidPartitionsException("Topic currently has " + current
                + " partitions, which is higher than the requested " + totalPartitions + "."));
        if (totalPartitions == current)
            return Future.failedFuture(new InvalidPartitionsException("Topic already has " + current + " partitions."));
        Map<Integer, List<Integer>> added = new TreeMap<>();
        try {
            int replicationFactor = topic.partitions().get(0).replicas().size();
            List<Integer> brokers = liveBrokers(cache.image());
            if (assignment != null && !assignment.isEmpty()) {
                if (assignment.size() != totalPartitions - current)
                    throw new InvalidReplicaAssignmentException("Increasing the number of partitions by "
                        + (totalPartitions - current) + " but " + assignment.size() + " assignments provided.");
                for (int i = 0; i < assignment.size(); i++)
                    added.put(current + i, assignment.get(i));
                checkAssignment(added, brokers);
            } else {
                Map<Integer, List<Integer>> all = assign(totalPartitions, (short) replicationFactor, brokers);
                for (int p = current; p < totalPartitions; p++)
                    added.put(p, all.get(p));
            }
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (validateOnly)
            return Future.succeededFuture();
        Map<Integer, PartitionState> states = initialStates(added);
        return vertx.executeBlocking(() -> {
            store.addPartitions(name, added, states);
            return null;
        }).compose(v -> {
            log.info("Increased partitions of {} from {} to {}", name, current, totalPartitions);
            return notifier.topicsChanged(List.of(name));
        });
    }

    @Override
    public Future<Void> alterTopicConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        TopicImage topic = cache.image().topic(name).orElse(null);
        if (topic == null)
            return Future.failedFuture(new UnknownTopicOrPartitionException("The topic '" + name + "' does not exist."));
        try {
            TopicConfigs.validate(configs);
            brokerLogConfig.with(configs);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (validateOnly)
            return Future.succeededFuture();
        return vertx.executeBlocking(() -> {
            store.setTopicConfigs(name, configs);
            return null;
        }).compose(v -> {
            log.info("Updated configs of topic {}: {}", name, configs);
            return notifier.topicsChanged(List.of(name));
        });
    }

    /**
     * Elects here rather than on the controller: the conditional writes keep this safe beside the controller's own,
     * and any broker can answer, as the admin client does not retry on another when the controller moved.
     */
    @Override
    public Future<Map<TopicPartition, ApiError>> electLeaders(ElectionType type, Set<TopicPartition> partitions) {
        Set<String> changed = new TreeSet<>();
        return vertx.executeBlocking(() -> {
            Set<Integer> live = new TreeSet<>();
            store.liveBrokers().forEach(b -> live.add(b.id()));
            // The current controller's epoch: an older controller still acting learns from it that it was replaced.
            return elector.elect(type, partitions, live, store.controllerEpoch(), changed);
        }).eventually(() -> changed.isEmpty() ? Future.succeededFuture() : notifier.topicsChanged(changed));
    }

    private List<Integer> liveBrokers(MetadataImage image) {
        List<Integer> ids = new ArrayList<>();
        image.brokers().forEach(b -> ids.add(b.id()));
        if (ids.isEmpty())
            ids.add(brokerId);
        ids.sort(Integer::compare);
        return ids;
    }

    /** Kafka's rack-unaware placement: replicas of partition p start at broker p mod n, then follow in order. */
    private static Map<Integer, List<Integer>> assign(int partitions, short replicationFactor, List<Integer> brokers) {
        if (partitions < 1)
            throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
        if (replicationFactor < 1)
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0.");
        if (replicationFactor > brokers.size())
            throw new InvalidReplicationFactorException("Replication factor: " + replicationFactor
                + " larger than available brokers: " + brokers.size() + ".");
        Map<Integer, List<Integer>> replicas = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            List<Integer> set = new ArrayList<>();
            for (int r = 0; r < replicationFactor; r++)
                set.add(brokers.get((p + r) % brokers.size()));
            replicas.put(p, set);
        }
        return replicas;
    }

    private static Map<Integer, List<Integer>> checkAssignment(Map<Integer, List<Integer>> assignment, List<Integer> brokers) {
        Integer size = null;
        for (Map.Entry<Integer, List<Integer>> e : assignment.entrySet()) {
            List<Integer> set = e.getValue();
            if (set.isEmpty() || set.stream().distinct().count() != set.size())
                throw new InvalidReplicaAssignmentException("Duplicate or empty replica list for partition " + e.getKey());
            if (size != null && size != set.size())
                throw new InvalidReplicaAssignmentException("All partitions should have the same number of replicas");
            size = set.size();
            for (int broker : set) {
                if (!brokers.contains(broker))
                    throw new InvalidReplicaAssignmentException("Unknown broker " + broker + " in the assignment of partition "
                        + e.getKey());
            }
        }
        return new TreeMap<>(assignment);
    }

    private static Map<Integer, PartitionState> initialStates(Map<Integer, List<Integer>> replicas) {
        Map<Integer, PartitionState> states = new TreeMap<>();
        replicas.forEach((p, set) -> states.put(p, PartitionState.of(set.get(0), 0, set, CONTROLLER_EPOCH)));
        return states;
    }
}
