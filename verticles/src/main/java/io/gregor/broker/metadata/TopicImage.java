package io.gregor.broker.metadata;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.Uuid;

/** A topic: its id, partitions in order, and its config overrides. */
public record TopicImage(String name, Uuid id, List<PartitionImage> partitions, Map<String, String> configs) {
    public TopicImage {
        partitions = List.copyOf(partitions);
        configs = Map.copyOf(configs);
    }
}
