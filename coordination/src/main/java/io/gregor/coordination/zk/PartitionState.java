package io.gregor.coordination.zk;

import java.util.List;

/**
 * The content of {@code /brokers/topics/<topic>/partitions/<p>/state} plus the znode version it was read at.
 *
 * @param leader          leader broker id, -1 if none
 * @param leaderEpoch     leader epoch
 * @param isr             in-sync replicas
 * @param controllerEpoch epoch of the controller that wrote this state
 * @param zkVersion       znode version the state was read at (or is expected at for a conditional update);
 *                        -1 when not read from ZooKeeper
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch, int zkVersion) {

  /** Kafka's {@code LeaderAndIsr.NoLeader}. */
  public static final int NO_LEADER = -1;

  public PartitionState {
    isr = List.copyOf(isr);
  }

  /** A state not read from ZooKeeper yet (zkVersion -1). */
  public static PartitionState of(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
    return new PartitionState(leader, leaderEpoch, isr, controllerEpoch, -1);
  }

  /** The same state with another zkVersion. */
  public PartitionState withZkVersion(int version) {
    return new PartitionState(leader, leaderEpoch, isr, controllerEpoch, version);
  }
}
