package io.gregor.coordination.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gregor.coordination.controller.ReplicaLeaderElection.Outcome;
import io.gregor.coordination.zk.PartitionState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ReplicaLeaderElectionTest {

  private static final int EPOCH = 7;
  private static final int ZK_VERSION = 12;
  private static final List<Integer> REPLICAS = List.of(1, 2, 3);

  private static PartitionState state(int leader, List<Integer> isr) {
    return new PartitionState(leader, 5, isr, 3, ZK_VERSION);
  }

  private static Outcome elect(ElectionType type, PartitionState current, Set<Integer> live) {
    return ReplicaLeaderElection.elect(type, REPLICAS, current, live, EPOCH);
  }

  @Test
  void preferredElectionAnswersNoneWithTheNewState() {
    Outcome outcome = elect(ElectionType.PREFERRED, state(2, List.of(2, 1)), Set.of(1, 2));
    assertEquals(Errors.NONE, outcome.result().error());
    assertEquals(Optional.of(new PartitionState(1, 6, List.of(2, 1), EPOCH, ZK_VERSION)), outcome.newState());
  }

  @Test
  void preferredElectionIsNotNeededWhileThePreferredReplicaLeads() {
    Outcome outcome = elect(ElectionType.PREFERRED, state(1, List.of(1, 2)), Set.of(1, 2));
    assertEquals(Errors.ELECTION_NOT_NEEDED, outcome.result().error());
    assertEquals(Optional.empty(), outcome.newState());
  }

  @Test
  void preferredLeaderIsNotAvailableWhenDeadOrOutOfSync() {
    assertEquals(Errors.PREFERRED_LEADER_NOT_AVAILABLE,
        elect(ElectionType.PREFERRED, state(2, List.of(2, 1)), Set.of(2, 3)).result().error());
    assertEquals(Errors.PREFERRED_LEADER_NOT_AVAILABLE,
        elect(ElectionType.PREFERRED, state(2, List.of(2, 3)), Set.of(1, 2, 3)).result().error());
  }

  @Test
  void uncleanElectionIsNotNeededWhileALiveLeaderExists() {
    Outcome outcome = elect(ElectionType.UNCLEAN, state(3, List.of(3)), Set.of(1, 2, 3));
    assertEquals(Errors.ELECTION_NOT_NEEDED, outcome.result().error());
    assertEquals(Optional.empty(), outcome.newState());
  }

  @Test
  void uncleanElectionTakesALiveReplicaOutsideTheIsrWithAnIsrOfItsOwn() {
    Outcome outcome = elect(ElectionType.UNCLEAN, state(PartitionState.NO_LEADER, List.of(1)), Set.of(2, 3));
    assertEquals(Errors.NONE, outcome.result().error());
    assertEquals(Optional.of(new PartitionState(2, 6, List.of(2), EPOCH, ZK_VERSION)), outcome.newState());
  }

  @Test
  void uncleanElectionPrefersALiveIsrMember() {
    Outcome outcome = elect(ElectionType.UNCLEAN, state(1, List.of(1, 3)), Set.of(2, 3));
    assertEquals(Optional.of(new PartitionState(3, 6, List.of(3), EPOCH, ZK_VERSION)), outcome.newState());
  }

  @Test
  void uncleanElectionFindsNoEligibleLeaderWithoutALiveReplica() {
    Outcome outcome = elect(ElectionType.UNCLEAN, state(PartitionState.NO_LEADER, List.of(1)), Set.of(4));
    assertEquals(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, outcome.result().error());
    assertEquals(Optional.empty(), outcome.newState());
  }
}
