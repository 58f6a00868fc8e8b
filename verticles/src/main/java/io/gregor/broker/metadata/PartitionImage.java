package io.gregor.broker.metadata;

import java.util.List;

/** One partition as clients see it in Metadata. */
public record PartitionImage(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
}
