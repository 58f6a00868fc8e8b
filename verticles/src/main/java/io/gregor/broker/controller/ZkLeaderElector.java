package io.gregor.broker.controller;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ControllerMovedException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.coordination.controller.ReplicaLeaderElection;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.gregor.coordination.zk.ZkVersionConflictException;

/**
 * Runs Kafka's replica leader elections (preferred or unclean, for ElectLeaders and the auto leader rebalance)
 * against ZooKeeper: each partition is decided by {@link ReplicaLeaderElection} and written conditionally. A write
 * that loses a race (the leader changed the ISR, the controller moved leadership) is decided again on what won.
 * Every method blocks on ZooKeeper: call from worker threads.
 */
public final class ZkLeaderElector {
    private static final Logger log = LoggerFactory.getLogger(ZkLeaderElector.class);

    private final ZkMetadataStore store;

    public ZkLeaderElector(ZkMetadataStore store) {
        this.store = store;
    }

    /**
     * Elects leaders for {@code partitions}, or for every partition of every topic when null.
     *
     * @param liveBrokers     the registered brokers
     * @param controllerEpoch the epoch to write the states with
     * @param changed         collects the topics whose states were written, also when this throws: the caller tells
     *                        the brokers
     * @return the outcome of every partition: {@link ApiError#NONE} where a leader was elected, otherwise Kafka's
     *         error for it (unknown partitions, topics being deleted, elections not needed or not possible)
     * @throws ControllerMovedException   if a state was written by a controller with a newer epoch
     * @throws ZkVersionConflictException if a partition's state kept changing under the writes
     */
    public Map<TopicPartition, ApiError> elect(ElectionType type, Set<TopicPartition> partitions,
                                               Set<Integer> liveBrokers, int controllerEpoch, Set<String> changed) {
        Map<String, TopicAssignment> topics = store.topics();
        Set<String> deleting = store.topicsMarkedForDeletion();
        Map<TopicPartition, ApiError> results = new HashMap<>();
        requestedByTopic(partitions, topics).forEach((topic, requested) -> {
            TopicAssignment assignment = topics.get(topic);
            if (assignment == null) {
                requested.forEach(p -> results.put(new TopicPartition(topic, p), unknown()));
            } else if (deleting.contains(topic)) {
                ApiError beingDeleted = new ApiError(Errors.INVALID_TOPIC_EXCEPTION, "The topic is being deleted");
                requested.forEach(p -> results.put(new TopicPartition(topic, p), beingDeleted));
            } else {
                electTopic(type, assignment, requested, liveBrokers, controllerEpoch, changed, results);
            }
        });
        return results;
    }

    private static Map<String, Set<Integer>> requestedByTopic(Set<TopicPartition> partitions,
                                                              Map<String, TopicAssignment> topics) {
        Map<String, Set<Integer>> byTopic = new TreeMap<>();
        if (partitions == null)
            topics.forEach((name, topic) -> byTopic.put(name, new TreeSet<>(topic.replicas().keySet())));
        else
            partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new TreeSet<>()).add(tp.partition()));
        return byTopic;
    }

    private void electTopic(ElectionType type, TopicAssignment topic, Set<Integer> requested, Set<Integer> liveBrokers,
                            int controllerEpoch, Set<String> changed, Map<TopicPartition, ApiError> results) {
        String name = topic.topic();
        Set<Integer> pending = requested;
        for (int attempt = 1; ; attempt++) {
            Map<Integer, PartitionState> states = store.partitionStates(name);
            Set<Integer> conflicts = new TreeSet<>();
            for (int partition : pending) {
                TopicPartition tp = new TopicPartition(name, partition);
                List<Integer> replicas = topic.replicas().get(partition);
                PartitionState current = states.get(partition);
                if (replicas == null || current == null) {
                    results.put(tp, unknown());
                    continue;
                }
                ReplicaLeaderElection.Outcome outcome =
                    ReplicaLeaderElection.elect(type, replicas, current, liveBrokers, controllerEpoch);
                if (outcome.newState().isPresent()) {
                    if (!ConditionalWrite.write(store, name, partition, outcome.newState().get(), attempt, conflicts))
                        continue;
                    changed.add(name);
                    log.info("Partition {}: leader {} -> {} by {} election, leader epoch {}", tp, current.leader(),
                        outcome.newState().get().leader(), type, outcome.newState().get().leaderEpoch());
                }
                results.put(tp, outcome.result());
            }
            if (conflicts.isEmpty())
                return;
            pending = conflicts;
        }
    }

    private static ApiError unknown() {
        return new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The partition does not exist.");
    }
}
