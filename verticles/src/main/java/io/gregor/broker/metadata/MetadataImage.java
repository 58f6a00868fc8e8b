package io.gregor.broker.metadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.Uuid;

/** An immutable snapshot of the cluster's metadata; replaced whole on every change. */
public record MetadataImage(String clusterId, int controllerId, List<BrokerEndpoint> brokers, Map<String, TopicImage> topics) {
    public MetadataImage {
        brokers = List.copyOf(brokers);
        topics = Map.copyOf(topics);
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicImage> topic(Uuid id) {
        for (TopicImage topic : topics.values()) {
            if (topic.id().equals(id))
                return Optional.of(topic);
        }
        return Optional.empty();
    }

    public Map<Uuid, String> topicNames() {
        Map<Uuid, String> names = new HashMap<>();
        topics.values().forEach(t -> names.put(t.id(), t.name()));
        return names;
    }

    public MetadataImage withTopic(TopicImage topic) {
        Map<String, TopicImage> next = new HashMap<>(topics);
        next.put(topic.name(), topic);
        return new MetadataImage(clusterId, controllerId, brokers, next);
    }

    public MetadataImage withoutTopic(String name) {
        Map<String, TopicImage> next = new HashMap<>(topics);
        next.remove(name);
        return new MetadataImage(clusterId, controllerId, brokers, next);
    }

    public MetadataImage withController(int id) {
        return new MetadataImage(clusterId, id, brokers, topics);
    }

    public MetadataImage withBrokers(List<BrokerEndpoint> live) {
        return new MetadataImage(clusterId, controllerId, live, topics);
    }
}
