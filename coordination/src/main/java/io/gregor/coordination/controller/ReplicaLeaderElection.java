package io.gregor.coordination.controller;

import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.ControllerMovedException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * One partition of an ElectLeaders request, as Kafka's controller decides it ({@code processReplicaLeaderElection}):
 * the state to write and the error code to answer with.
 */
public final class ReplicaLeaderElection {

  /**
   * @param result   {@link ApiError#NONE} when {@code newState} elects a leader, otherwise why nothing changes
   * @param newState the state to write, present only with {@link ApiError#NONE}
   */
  public record Outcome(ApiError result, Optional<PartitionState> newState) {

    static Outcome elected(PartitionState newState) {
      return new Outcome(ApiError.NONE, Optional.of(newState));
    }

    static Outcome failed(Errors error, String message) {
      return new Outcome(new ApiError(error, message), Optional.empty());
    }
  }

  private ReplicaLeaderElection() {
  }

  /**
   * PREFERRED: {@link PreferredLeaderElection}; {@code ELECTION_NOT_NEEDED} when the preferred replica leads
   * already, {@code PREFERRED_LEADER_NOT_AVAILABLE} when it is not live or not in the ISR. UNCLEAN: for a partition
   * without a live leader, a leader as after a broker failure with {@code unclean.leader.election.enable}, an ISR
   * member first; {@code ELECTION_NOT_NEEDED} when a live leader exists, {@code ELIGIBLE_LEADERS_NOT_AVAILABLE} when
   * no replica is live.
   *
   * @param replicas        the partition's assignment, preferred leader first
   * @param current         the state as read from ZooKeeper
   * @param liveBrokers     the registered brokers
   * @param controllerEpoch the epoch of the controller deciding
   * @throws ControllerMovedException if {@code current} was written by a controller with a newer epoch
   */
  public static Outcome elect(ElectionType type, List<Integer> replicas, PartitionState current,
      Set<Integer> liveBrokers, int controllerEpoch) {
    return type == ElectionType.UNCLEAN
        ? unclean(replicas, current, liveBrokers, controllerEpoch)
        : preferred(replicas, current, liveBrokers, controllerEpoch);
  }

  private static Outcome preferred(List<Integer> replicas, PartitionState current, Set<Integer> liveBrokers,
      int controllerEpoch) {
    Optional<PartitionState> next = PreferredLeaderElection.elect(replicas, current, liveBrokers, controllerEpoch);
    if (next.isPresent()) {
      return Outcome.elected(next.get());
    }
    if (current.leader() == replicas.get(0)) {
      return notNeeded();
    }
    return Outcome.failed(Errors.PREFERRED_LEADER_NOT_AVAILABLE, "Preferred replica " + replicas.get(0)
        + " is not live or not in the ISR " + current.isr());
  }

  private static Outcome unclean(List<Integer> replicas, PartitionState current, Set<Integer> liveBrokers,
      int controllerEpoch) {
    ControllerFencing.requireNotNewer(current, controllerEpoch);
    if (liveBrokers.contains(current.leader())) {
      return notNeeded();
    }
    return PartitionStateChange.onBrokersChange(replicas, current, liveBrokers, true, controllerEpoch)
        .filter(next -> next.leader() != PartitionState.NO_LEADER)
        .map(Outcome::elected)
        .orElseGet(() -> Outcome.failed(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE,
            "No replica of " + replicas + " is live"));
  }

  private static Outcome notNeeded() {
    return Outcome.failed(Errors.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition");
  }
}
