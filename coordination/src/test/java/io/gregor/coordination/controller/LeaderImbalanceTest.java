package io.gregor.coordination.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gregor.coordination.controller.LeaderImbalance.BrokerImbalance;
import io.gregor.coordination.zk.PartitionState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LeaderImbalanceTest {

  private final Map<TopicPartition, List<Integer>> replicas = new HashMap<>();
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();

  /** Partition {@code p} of topic t, assigned {@code assignment} and led by {@code leader}. */
  private TopicPartition partition(int p, List<Integer> assignment, int leader) {
    TopicPartition tp = new TopicPartition("t", p);
    replicas.put(tp, assignment);
    states.put(tp, new PartitionState(leader, 1, assignment, 1, 0));
    return tp;
  }

  @Test
  void balancedClusterHasNoImbalance() {
    partition(0, List.of(1, 2), 1);
    partition(1, List.of(2, 1), 2);
    assertEquals(List.of(), LeaderImbalance.aboveThreshold(replicas, states, 10));
  }

  @Test
  void brokerAboveThePercentageListsThePartitionsLedElsewhere() {
    TopicPartition moved = partition(0, List.of(1, 2), 2);
    for (int p = 1; p < 5; p++) {
      partition(p, List.of(1, 2), 1);
    }
    partition(5, List.of(2, 1), 2);
    assertEquals(List.of(new BrokerImbalance(1, 5, Set.of(moved))), LeaderImbalance.aboveThreshold(replicas, states, 10));
  }

  @Test
  void imbalanceAtThePercentageIsTolerated() {
    partition(0, List.of(1, 2), 2);
    for (int p = 1; p < 10; p++) {
      partition(p, List.of(1, 2), 1);
    }
    assertEquals(List.of(), LeaderImbalance.aboveThreshold(replicas, states, 10));
    assertEquals(1, LeaderImbalance.aboveThreshold(replicas, states, 9).size());
  }

  @Test
  void offlinePartitionCountsAsLedElsewhere() {
    TopicPartition offline = partition(0, List.of(3, 1), PartitionState.NO_LEADER);
    assertEquals(List.of(new BrokerImbalance(3, 1, Set.of(offline))), LeaderImbalance.aboveThreshold(replicas, states, 10));
  }

  @Test
  void partitionWithoutAStateIsNotCountedAsLedElsewhere() {
    TopicPartition moved = partition(0, List.of(1, 2), 2);
    replicas.put(new TopicPartition("t", 1), List.of(1, 2));
    assertEquals(List.of(new BrokerImbalance(1, 2, Set.of(moved))), LeaderImbalance.aboveThreshold(replicas, states, 10));
  }
}
