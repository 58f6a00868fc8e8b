package io.gregor.coordination.controller;

import io.gregor.coordination.zk.PartitionState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's leader imbalance check ({@code checkAndTriggerAutoLeaderRebalance}): per broker, the share of the
 * partitions it is the preferred leader of that another broker leads, or nobody.
 */
public final class LeaderImbalance {

  /**
   * @param broker              the preferred leader
   * @param preferredPartitions how many partitions have {@code broker} as their first replica
   * @param ledByOthers         those of them that {@code broker} does not lead
   */
  public record BrokerImbalance(int broker, int preferredPartitions, Set<TopicPartition> ledByOthers) {

    public BrokerImbalance {
      ledByOthers = Set.copyOf(ledByOthers);
    }

    /** The share of {@code broker}'s preferred partitions led elsewhere, in percent. */
    public double percentage() {
      return 100.0 * ledByOthers.size() / preferredPartitions;
    }
  }

  private LeaderImbalance() {
  }

  /**
   * The brokers whose imbalance is above {@code leader.imbalance.per.broker.percentage}, by broker id. A partition
   * without a known state counts towards its preferred leader's partitions but not as led elsewhere, as in Kafka.
   *
   * @param replicas                     every partition's assignment, preferred leader first
   * @param states                       the partition states as read from ZooKeeper
   * @param imbalancePerBrokerPercentage {@code leader.imbalance.per.broker.percentage}
   */
  public static List<BrokerImbalance> aboveThreshold(Map<TopicPartition, List<Integer>> replicas,
      Map<TopicPartition, PartitionState> states, int imbalancePerBrokerPercentage) {
    Map<Integer, Integer> preferred = new TreeMap<>();
    Map<Integer, Set<TopicPartition>> ledByOthers = new TreeMap<>();
    replicas.forEach((partition, assignment) -> {
      if (assignment.isEmpty()) {
        return;
      }
      int broker = assignment.get(0);
      preferred.merge(broker, 1, Integer::sum);
      Set<TopicPartition> elsewhere = ledByOthers.computeIfAbsent(broker, b -> new HashSet<>());
      PartitionState state = states.get(partition);
      if (state != null && state.leader() != broker) {
        elsewhere.add(partition);
      }
    });
    List<BrokerImbalance> above = new ArrayList<>();
    preferred.forEach((broker, count) -> {
      BrokerImbalance imbalance = new BrokerImbalance(broker, count, ledByOthers.get(broker));
      if (imbalance.percentage() > imbalancePerBrokerPercentage) {
        above.add(imbalance);
      }
    });
    return above;
  }
}
