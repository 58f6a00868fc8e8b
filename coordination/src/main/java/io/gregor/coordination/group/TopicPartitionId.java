package io.gregor.coordination.group;

/** A topic partition, as the coordinator keys committed offsets. */
public record TopicPartitionId(String topic, int partition) implements Comparable<TopicPartitionId> {
    @Override
    public int compareTo(TopicPartitionId o) {
        int byTopic = topic.compareTo(o.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
