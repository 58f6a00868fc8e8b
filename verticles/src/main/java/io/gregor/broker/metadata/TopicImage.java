package io.gregor.broker.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;

import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.TopicAssignment;

/** A topic: its id, partitions in order, and its config overrides. */
public record TopicImage(String name, Uuid id, List<PartitionImage> partitions, Map<String, String> configs) {
    public TopicImage {
        partitions = List.copyOf(partitions);
        configs = Map.copyOf(configs);
    }

    /** The topic as ZooKeeper holds it; a partition without a state yet has no leader. */
    public static TopicImage of(TopicAssignment topic, Map<Integer, PartitionState> states, Map<String, String> configs) {
        List<PartitionImage> partitions = new ArrayList<>();
        new TreeMap<>(topic.replicas()).forEach((p, replicas) -> {
            PartitionState state = states.get(p);
            partitions.add(state == null
                ? new PartitionImage(p, -1, -1, replicas, List.of(), -1, 0)
                : new PartitionImage(p, state.leader(), state.leaderEpoch(), replicas, state.isr(), state.zkVersion(),
                    state.controllerEpoch()));
        });
        return new TopicImage(topic.topic(), topic.topicId(), partitions, configs);
    }
}
