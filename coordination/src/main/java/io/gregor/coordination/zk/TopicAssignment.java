package io.gregor.coordination.zk;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The content of {@code /brokers/topics/<topic>}: the topic id and the replica list of every partition
 * (the first replica is the preferred leader).
 *
 * @param topic    topic name
 * @param topicId  Kafka topic id, or {@code null} for topics created by very old Kafka versions
 * @param replicas partition -> replica broker ids, copied into an unmodifiable map sorted by partition
 */
public record TopicAssignment(String topic, Uuid topicId, Map<Integer, List<Integer>> replicas) {

  public TopicAssignment {
    Objects.requireNonNull(topic, "topic");
    TreeMap<Integer, List<Integer>> copy = new TreeMap<>();
    replicas.forEach((p, r) -> copy.put(p, List.copyOf(r)));
    replicas = Collections.unmodifiableMap(copy);
  }

  /** Number of partitions. */
  public int partitionCount() {
    return replicas.size();
  }
}
