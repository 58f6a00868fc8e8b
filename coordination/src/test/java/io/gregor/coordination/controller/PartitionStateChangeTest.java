package io.gregor.coordination.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.ControllerMovedException;
import org.junit.jupiter.api.Test;

class PartitionStateChangeTest {

  private static final int EPOCH = 7;
  private static final int ZK_VERSION = 12;
  private static final List<Integer> REPLICAS = List.of(1, 2, 3);

  private static PartitionState state(int leader, int leaderEpoch, List<Integer> isr) {
    return new PartitionState(leader, leaderEpoch, isr, 3, ZK_VERSION);
  }

  private static Optional<PartitionState> change(PartitionState current, Set<Integer> live, boolean unclean) {
    return PartitionStateChange.onBrokersChange(REPLICAS, current, live, unclean, EPOCH);
  }

  private static PartitionState expected(int leader, int leaderEpoch, List<Integer> isr) {
    return new PartitionState(leader, leaderEpoch, isr, EPOCH, ZK_VERSION);
  }

  @Test
  void nothingChangesWhileLeaderAndIsrAreLive() {
    assertEquals(Optional.empty(), change(state(1, 5, List.of(1, 2, 3)), Set.of(1, 2, 3, 4), false));
  }

  @Test
  void deadFollowerLeavesTheIsr() {
    assertEquals(Optional.of(expected(1, 6, List.of(1, 3))), change(state(1, 5, List.of(1, 2, 3)), Set.of(1, 3), false));
  }

  @Test
  void deadLeaderIsReplacedByTheFirstLiveIsrReplicaInAssignmentOrder() {
    assertEquals(Optional.of(expected(2, 6, List.of(3, 2))), change(state(1, 5, List.of(1, 3, 2)), Set.of(2, 3), false));
  }

  @Test
  void liveReplicaOutsideTheIsrIsNotElectedCleanly() {
    assertEquals(Optional.of(expected(PartitionState.NO_LEADER, 6, List.of(1))),
        change(state(1, 5, List.of(1)), Set.of(2, 3), false));
  }

  @Test
  void uncleanElectionTakesTheFirstLiveReplicaWithAnIsrOfItsOwn() {
    assertEquals(Optional.of(expected(2, 6, List.of(2))), change(state(1, 5, List.of(1)), Set.of(2, 3), true));
  }

  @Test
  void uncleanElectionIsNotUsedWhileAnIsrReplicaIsLive() {
    assertEquals(Optional.of(expected(3, 6, List.of(3))), change(state(1, 5, List.of(1, 3)), Set.of(2, 3), true));
  }

  @Test
  void lastIsrMemberStaysWhenItsBrokerDies() {
    PartitionState single = new PartitionState(1, 5, List.of(1), 3, ZK_VERSION);
    assertEquals(Optional.of(new PartitionState(PartitionState.NO_LEADER, 6, List.of(1), EPOCH, ZK_VERSION)),
        PartitionStateChange.onBrokersChange(List.of(1), single, Set.of(2), false, EPOCH));
  }

  @Test
  void leaderIsKeptInTheIsrWhenTheWholeIsrDiesAtOnce() {
    assertEquals(Optional.of(expected(PartitionState.NO_LEADER, 6, List.of(2))),
        change(state(2, 5, List.of(1, 2, 3)), Set.of(), false));
  }

  @Test
  void lastListedMemberIsKeptWhenTheLeaderWasNotInTheIsr() {
    assertEquals(Optional.of(expected(PartitionState.NO_LEADER, 6, List.of(3))),
        change(state(PartitionState.NO_LEADER, 5, List.of(2, 3)), Set.of(1), false));
  }

  @Test
  void offlinePartitionStaysAsItIsWhileNoCandidateIsLive() {
    assertEquals(Optional.empty(), change(state(PartitionState.NO_LEADER, 6, List.of(1)), Set.of(2, 3), false));
    assertEquals(Optional.empty(), change(state(PartitionState.NO_LEADER, 6, List.of(1)), Set.of(), true));
  }

  @Test
  void offlinePartitionComesBackWithItsLiveIsrMember() {
    assertEquals(Optional.of(expected(1, 7, List.of(1))),
        change(state(PartitionState.NO_LEADER, 6, List.of(1)), Set.of(1, 2, 3), false));
  }

  @Test
  void offlinePartitionTakesTheFirstLiveIsrMemberInAssignmentOrder() {
    assertEquals(Optional.of(expected(2, 7, List.of(3, 2))),
        change(state(PartitionState.NO_LEADER, 6, List.of(3, 2)), Set.of(2, 3), false));
  }

  @Test
  void offlinePartitionIsElectedUncleanlyWhenAReplicaOutsideTheIsrReturns() {
    assertEquals(Optional.of(expected(3, 7, List.of(3))),
        change(state(PartitionState.NO_LEADER, 6, List.of(1)), Set.of(3), true));
  }

  @Test
  void partitionWithoutIsrAndLeaderWaitsForAnUncleanElection() {
    assertEquals(Optional.empty(), change(state(PartitionState.NO_LEADER, 0, List.of()), Set.of(1), false));
    assertEquals(Optional.of(expected(1, 1, List.of(1))), change(state(PartitionState.NO_LEADER, 0, List.of()),
        Set.of(1), true));
  }

  @Test
  void stateWrittenByANewerControllerMeansThisOneIsStale() {
    PartitionState newer = new PartitionState(1, 5, List.of(1, 2), EPOCH + 1, ZK_VERSION);
    assertThrows(ControllerMovedException.class,
        () -> PartitionStateChange.onBrokersChange(REPLICAS, newer, Set.of(2), false, EPOCH));
  }

  @Test
  void stateWrittenBySameControllerEpochIsFine() {
    PartitionState same = new PartitionState(1, 5, List.of(1, 2), EPOCH, ZK_VERSION);
    assertEquals(Optional.of(expected(2, 6, List.of(2))),
        PartitionStateChange.onBrokersChange(REPLICAS, same, Set.of(2), false, EPOCH));
  }
}
