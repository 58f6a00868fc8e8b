package io.gregor.broker.log;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.log.LogConfig;
import io.vertx.core.Future;

/**
 * Gregor's LeaderAndIsr for one shard: opens (or creates) the logs of the partitions this broker
 * holds a replica of, applies the topic config, and makes each replica leader or follower as the
 * partition state read from ZooKeeper says.
 */
public record ReplicaStateCommand(Map<TopicPartition, Spec> partitions)
        implements ShardCommand<Map<TopicPartition, ReplicaStateCommand.Result>> {
    private static final Logger log = LoggerFactory.getLogger(ReplicaStateCommand.class);

    public record Spec(Uuid topicId, LogConfig config, int minInsyncReplicas, int leader, int leaderEpoch,
                       List<Integer> replicas, List<Integer> isr, int zkVersion, int controllerEpoch) {
    }

    /**
     * The replica's new role; for a follower, where its log ends and the latest leader epoch it
     * holds (-1 if none), which the fetcher asks the leader about before fetching.
     */
    public record Result(Partition.Transition transition, int leader, int leaderEpoch, long logEndOffset,
                         int latestLocalEpoch) {
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new HashMap<>();
        partitions.forEach((tp, spec) -> {
            try {
                Partition partition = shard.open(tp, spec);
                Partition.Transition transition = partition.apply(spec, System.currentTimeMillis());
                if (transition != Partition.Transition.UNCHANGED)
                    log.info("{}: {} in leader epoch {} (leader {}, ISR {})", tp, transition, spec.leaderEpoch(),
                        spec.leader(), spec.isr());
                results.put(tp, new Result(transition, partition.leaderId(), partition.leaderEpoch(),
                    partition.log().logEndOffset(), partition.log().leaderEpochCache().latestEpoch().orElse(-1)));
            } catch (RuntimeException e) {
                log.error("Cannot open the replica of {}", tp, e);
            }
        });
        return Future.succeededFuture(results);
    }
}
