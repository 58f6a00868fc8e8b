package io.gregor.coordination.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {

  @Test
  void firstLiveIsrReplicaInAssignmentOrder() {
    assertEquals(OptionalInt.of(3), LeaderElection.offlinePartitionLeader(List.of(1, 3, 2), List.of(2, 3),
        Set.of(2, 3), false));
  }

  @Test
  void liveReplicaOutsideTheIsrOnlyWhenUnclean() {
    List<Integer> replicas = List.of(1, 2, 3);
    List<Integer> isr = List.of(1);
    Set<Integer> live = Set.of(3, 2);
    assertEquals(OptionalInt.empty(), LeaderElection.offlinePartitionLeader(replicas, isr, live, false));
    assertEquals(OptionalInt.of(2), LeaderElection.offlinePartitionLeader(replicas, isr, live, true));
  }

  @Test
  void cleanCandidateWinsOverAnEarlierUncleanOne() {
    assertEquals(OptionalInt.of(3), LeaderElection.offlinePartitionLeader(List.of(1, 2, 3), List.of(3),
        Set.of(2, 3), true));
  }

  @Test
  void noLiveReplica() {
    assertEquals(OptionalInt.empty(), LeaderElection.offlinePartitionLeader(List.of(1, 2), List.of(1, 2),
        Set.of(5), true));
  }
}
