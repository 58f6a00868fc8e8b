package io.gregor.broker.log;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.epoch.EpochEndOffset;
import io.gregor.storage.log.Log;
import io.vertx.core.Future;

/**
 * Cuts a follower's log where it diverges from its new leader (KIP-101/KIP-279): the leader said
 * where the follower's latest epoch ends in its log; everything past that is what an old leader
 * wrote and nobody acknowledged. A follower behind the leader's log start starts over there.
 */
public record FollowerTruncateCommand(Map<TopicPartition, Divergence> partitions)
        implements ShardCommand<Map<TopicPartition, FollowerPosition>> {
    private static final Logger log = LoggerFactory.getLogger(FollowerTruncateCommand.class);

    /**
     * @param requestedEpoch the follower's latest epoch it asked about, -1 if it has none
     * @param leaderAnswer   where that epoch (or the largest epoch below it) ends in the leader's log
     * @param startAt        the leader's log start offset if the follower must start over there, else -1
     */
    public record Divergence(int requestedEpoch, EpochEndOffset leaderAnswer, long startAt) {
        public static Divergence startOver(long leaderLogStartOffset) {
            return new Divergence(-1, EpochEndOffset.UNDEFINED, leaderLogStartOffset);
        }
    }

    @Override
    public Future<Map<TopicPartition, FollowerPosition>> execute(LogShard shard) {
        Map<TopicPartition, FollowerPosition> results = new HashMap<>();
        partitions.forEach((tp, divergence) -> {
            Partition replica = shard.replica(tp);
            if (replica == null || replica.isLeader()) {
                results.put(tp, FollowerPosition.NOT_FOLLOWING);
                return;
            }
            Log replicaLog = replica.log();
            if (divergence.startAt() >= 0) {
                replicaLog.truncateFullyAndStartAt(divergence.startAt());
            } else {
                long target = truncationOffset(replicaLog, divergence);
                if (target < replicaLog.logEndOffset())
                    log.info("Truncating follower {} from {} to {} (leader said epoch {} ends at {})", tp,
                        replicaLog.logEndOffset(), target, divergence.leaderAnswer().epoch(),
                        divergence.leaderAnswer().endOffset());
                replicaLog.truncateTo(target);
            }
            results.put(tp, FollowerPosition.of(Errors.NONE, replicaLog));
        });
        return Future.succeededFuture(results);
    }

    private static long truncationOffset(Log replicaLog, Divergence divergence) {
        long end = replicaLog.logEndOffset();
        EpochEndOffset leader = divergence.leaderAnswer();
        if (divergence.requestedEpoch() < 0)
            return end;
        if (leader.endOffset() < 0)
            return Math.min(replicaLog.highWatermark(), end);
        if (leader.epoch() == divergence.requestedEpoch())
            return Math.min(leader.endOffset(), end);
        // The leader never had our latest epoch: cut at the end of the largest epoch both have.
        EpochEndOffset local = replicaLog.leaderEpochCache().endOffsetFor(leader.epoch(), end);
        return Math.min(Math.min(local.endOffset() < 0 ? end : local.endOffset(), leader.endOffset()), end);
    }
}
