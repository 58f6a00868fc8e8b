package io.gregor.broker.log;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.log.Log;
import io.vertx.core.Future;

/**
 * Appends what a follower fetched from its leader, keeping the leader's offsets and epochs, and
 * takes the leader's high watermark as far as this log reaches and its log start offset as far as
 * that high watermark (records deleted on the leader stay deleted after a failover).
 */
public record FollowerAppendCommand(Map<TopicPartition, Fetched> partitions)
        implements ShardCommand<Map<TopicPartition, FollowerPosition>> {
    private static final Logger log = LoggerFactory.getLogger(FollowerAppendCommand.class);

    /** @param leaderEpoch the epoch the data was fetched in: a replica that moved on since drops it */
    public record Fetched(ByteBuffer records, long leaderHighWatermark, long leaderLogStartOffset, int leaderEpoch) {
    }

    @Override
    public Future<Map<TopicPartition, FollowerPosition>> execute(LogShard shard) {
        Map<TopicPartition, FollowerPosition> results = new HashMap<>();
        partitions.forEach((tp, fetched) -> {
            Partition replica = shard.replica(tp);
            if (replica == null || replica.isLeader() || replica.leaderEpoch() != fetched.leaderEpoch()) {
                results.put(tp, FollowerPosition.NOT_FOLLOWING);
                return;
            }
            Log replicaLog = replica.log();
            try {
                if (fetched.records().hasRemaining()) {
                    replicaLog.appendAsFollower(fetched.records());
                    replica.onAppended();
                }
                long highWatermark = replicaLog.updateHighWatermark(fetched.leaderHighWatermark());
                if (fetched.leaderLogStartOffset() > replicaLog.logStartOffset())
                    replicaLog.deleteRecordsBefore(Math.min(fetched.leaderLogStartOffset(), highWatermark));
                results.put(tp, FollowerPosition.of(Errors.NONE, replicaLog));
            } catch (RuntimeException e) {
                log.warn("Follower append to {} failed: {}", tp, e.toString());
                results.put(tp, FollowerPosition.of(PartitionErrors.of(e, "follower append to " + tp), replicaLog));
            }
        });
        return Future.succeededFuture(results);
    }
}
