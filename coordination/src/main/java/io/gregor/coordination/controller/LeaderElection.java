package io.gregor.coordination.controller;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/** Kafka's {@code PartitionLeaderElectionAlgorithms}: who leads a partition whose leader went offline. */
public final class LeaderElection {

  private LeaderElection() {
  }

  /**
   * Kafka's {@code offlinePartitionLeaderElection}: the first replica in assignment order that is live and in the
   * ISR; failing that, with {@code uncleanLeaderElection}, the first live replica (which may lack committed records);
   * otherwise none.
   *
   * @param replicas              the assignment, preferred leader first
   * @param isr                   the in-sync replicas
   * @param liveBrokers           the registered brokers
   * @param uncleanLeaderElection {@code unclean.leader.election.enable} in effect for the topic
   */
  public static OptionalInt offlinePartitionLeader(List<Integer> replicas, List<Integer> isr, Set<Integer> liveBrokers,
      boolean uncleanLeaderElection) {
    for (int replica : replicas) {
      if (liveBrokers.contains(replica) && isr.contains(replica)) {
        return OptionalInt.of(replica);
      }
    }
    if (uncleanLeaderElection) {
      for (int replica : replicas) {
        if (liveBrokers.contains(replica)) {
          return OptionalInt.of(replica);
        }
      }
    }
    return OptionalInt.empty();
  }
}
