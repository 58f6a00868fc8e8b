package io.gregor.coordination.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.ControllerMovedException;
import org.junit.jupiter.api.Test;

class PreferredLeaderElectionTest {

  private static final int EPOCH = 7;
  private static final int ZK_VERSION = 12;
  private static final List<Integer> REPLICAS = List.of(1, 2, 3);
  private static final Set<Integer> ALL_LIVE = Set.of(1, 2, 3);

  private static PartitionState state(int leader, List<Integer> isr) {
    return new PartitionState(leader, 5, isr, 3, ZK_VERSION);
  }

  @Test
  void preferredReplicaInTheIsrTakesOverWithTheIsrUnchanged() {
    assertEquals(Optional.of(new PartitionState(1, 6, List.of(2, 3, 1), EPOCH, ZK_VERSION)),
        PreferredLeaderElection.elect(REPLICAS, state(2, List.of(2, 3, 1)), ALL_LIVE, EPOCH));
  }

  @Test
  void nothingChangesWhileThePreferredReplicaLeads() {
    assertEquals(Optional.empty(), PreferredLeaderElection.elect(REPLICAS, state(1, List.of(1, 2, 3)), ALL_LIVE, EPOCH));
  }

  @Test
  void preferredReplicaOutsideTheIsrMayLackCommittedRecords() {
    assertEquals(Optional.empty(), PreferredLeaderElection.elect(REPLICAS, state(2, List.of(2, 3)), ALL_LIVE, EPOCH));
  }

  @Test
  void deadPreferredReplicaIsNotElected() {
    assertEquals(Optional.empty(),
        PreferredLeaderElection.elect(REPLICAS, state(2, List.of(2, 3, 1)), Set.of(2, 3), EPOCH));
  }

  @Test
  void offlinePartitionGetsItsPreferredReplicaBack() {
    assertEquals(Optional.of(new PartitionState(1, 6, List.of(1), EPOCH, ZK_VERSION)),
        PreferredLeaderElection.elect(REPLICAS, state(PartitionState.NO_LEADER, List.of(1)), ALL_LIVE, EPOCH));
  }

  @Test
  void stateOfANewerControllerMeansThisOneWasReplaced() {
    PartitionState newer = new PartitionState(2, 5, List.of(2, 1), EPOCH + 1, ZK_VERSION);
    assertThrows(ControllerMovedException.class, () -> PreferredLeaderElection.elect(REPLICAS, newer, ALL_LIVE, EPOCH));
  }
}
