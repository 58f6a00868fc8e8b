package io.gregor.broker.metadata;

import java.util.List;

/**
 * One partition as clients see it in Metadata, plus the znode version and controller epoch of
 * the state it was read from, which a leader's conditional ISR update needs.
 */
public record PartitionImage(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                             int zkVersion, int controllerEpoch) {
    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
