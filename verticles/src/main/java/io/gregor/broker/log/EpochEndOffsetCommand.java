package io.gregor.broker.log;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.storage.epoch.EpochEndOffset;
import io.vertx.core.Future;

/** OffsetForLeaderEpoch: where an epoch ended in this leader's log (KIP-101, KIP-279). */
public record EpochEndOffsetCommand(Map<TopicPartition, Integer> epochs, Map<TopicPartition, Integer> currentLeaderEpochs)
        implements ShardCommand<Map<TopicPartition, EpochEndOffsetCommand.Result>> {

    public record Result(Errors error, int leaderEpoch, EpochEndOffset endOffset) {
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new HashMap<>();
        epochs.forEach((tp, epoch) -> {
            Partition partition = shard.partition(tp);
            if (partition == null) {
                results.put(tp, new Result(Errors.NOT_LEADER_OR_FOLLOWER, -1, EpochEndOffset.UNDEFINED));
                return;
            }
            int current = currentLeaderEpochs.getOrDefault(tp, -1);
            if (current >= 0 && current < partition.leaderEpoch()) {
                results.put(tp, new Result(Errors.FENCED_LEADER_EPOCH, partition.leaderEpoch(), EpochEndOffset.UNDEFINED));
            } else if (current > partition.leaderEpoch()) {
                results.put(tp, new Result(Errors.UNKNOWN_LEADER_EPOCH, partition.leaderEpoch(), EpochEndOffset.UNDEFINED));
            } else {
                EpochEndOffset end = partition.log().leaderEpochCache().endOffsetFor(epoch, partition.log().logEndOffset());
                results.put(tp, new Result(Errors.NONE, partition.leaderEpoch(), end));
            }
        });
        return Future.succeededFuture(results);
    }
}
