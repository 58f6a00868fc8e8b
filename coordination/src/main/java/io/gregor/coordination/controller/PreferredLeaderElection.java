package io.gregor.coordination.controller;

import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.ControllerMovedException;

/**
 * Kafka's preferred replica election: leadership goes back to the first replica of the assignment. Replica
 * placement spreads those first replicas evenly over the brokers, so leadership that failed over to other brokers
 * and stayed there after the preferred ones came back is spread evenly again.
 */
public final class PreferredLeaderElection {

  private PreferredLeaderElection() {
  }

  /**
   * The state that makes the preferred replica leader, or empty if it leads already or cannot lead. It must be live
   * and in the ISR, so that it has every committed record (Kafka's {@code preferredReplicaPartitionLeaderElection}).
   * The ISR stays as it is; the leader epoch goes up, so that the old leader and its followers notice the change;
   * {@code current.zkVersion()} is kept, so that the write is conditional on nobody having written in between.
   *
   * @param replicas        the partition's assignment, preferred leader first
   * @param current         the state as read from ZooKeeper
   * @param liveBrokers     the registered brokers
   * @param controllerEpoch the epoch of the controller deciding
   * @throws ControllerMovedException if {@code current} was written by a controller with a newer epoch
   */
  public static Optional<PartitionState> elect(List<Integer> replicas, PartitionState current,
      Set<Integer> liveBrokers, int controllerEpoch) {
    ControllerFencing.requireNotNewer(current, controllerEpoch);
    int preferred = replicas.get(0);
    if (current.leader() == preferred || !liveBrokers.contains(preferred) || !current.isr().contains(preferred)) {
      return Optional.empty();
    }
    return Optional.of(new PartitionState(preferred, current.leaderEpoch() + 1, current.isr(), controllerEpoch,
        current.zkVersion()));
  }
}
