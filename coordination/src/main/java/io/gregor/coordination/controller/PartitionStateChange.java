package io.gregor.coordination.controller;

import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.errors.ControllerMovedException;

/**
 * What the controller writes for one partition when brokers die or come back, as Kafka's ZooKeeper controller does
 * when it moves replicas to OfflineReplica (out of the ISR) and partitions through OfflinePartition back to
 * OnlinePartition (leader election from the ISR).
 */
public final class PartitionStateChange {

  private PartitionStateChange() {
  }

  /**
   * The state to write for a partition after the set of live brokers changed, or empty if it stays as it is.
   * Replicas on dead brokers leave the ISR, except the last member: it keeps the claim to every committed record,
   * so the partition can come back cleanly with that broker. A partition whose leader is dead or absent gets one
   * by {@link LeaderElection#offlinePartitionLeader}; an unclean leader starts a new ISR of its own, and with no
   * candidate at all the leader is {@link PartitionState#NO_LEADER} (offline). A change bumps the leader epoch,
   * so followers of the old leader notice, and carries {@code current.zkVersion()} so that the write is
   * conditional on nobody having written in between.
   *
   * @param replicas              the partition's assignment, preferred leader first
   * @param current               the state as read from ZooKeeper
   * @param liveBrokers           the registered brokers
   * @param uncleanLeaderElection {@code unclean.leader.election.enable} in effect for the topic
   * @param controllerEpoch       the epoch of the controller deciding
   * @throws ControllerMovedException if {@code current} was written by a controller with a newer epoch
   */
  public static Optional<PartitionState> onBrokersChange(List<Integer> replicas, PartitionState current,
      Set<Integer> liveBrokers, boolean uncleanLeaderElection, int controllerEpoch) {
    ControllerFencing.requireNotNewer(current, controllerEpoch);
    List<Integer> liveIsr = current.isr().stream().filter(liveBrokers::contains).toList();
    int leader;
    List<Integer> isr;
    if (liveBrokers.contains(current.leader())) {
      leader = current.leader();
      isr = liveIsr;
    } else {
      OptionalInt elected = LeaderElection.offlinePartitionLeader(replicas, liveIsr, liveBrokers, uncleanLeaderElection);
      leader = elected.orElse(PartitionState.NO_LEADER);
      isr = elected.isEmpty() || liveIsr.contains(leader) ? liveIsr : List.of(leader);
    }
    if (isr.isEmpty()) {
      isr = lastMember(current);
    }
    if (leader == current.leader() && isr.equals(current.isr())) {
      return Optional.empty();
    }
    return Optional.of(new PartitionState(leader, current.leaderEpoch() + 1, isr, controllerEpoch,
        current.zkVersion()));
  }

  /**
   * The ISR member to keep when all of them died. When they die at once there is no telling which went last; the
   * leader, though, had every committed record.
   */
  private static List<Integer> lastMember(PartitionState current) {
    List<Integer> isr = current.isr();
    if (isr.isEmpty()) {
      return isr;
    }
    return List.of(isr.contains(current.leader()) ? current.leader() : isr.get(isr.size() - 1));
  }
}
