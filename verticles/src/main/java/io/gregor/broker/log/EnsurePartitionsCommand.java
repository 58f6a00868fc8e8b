package io.gregor.broker.log;

import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

import io.gregor.storage.log.LogConfig;
import io.vertx.core.Future;

/** Makes this broker lead the partitions: opens or creates their logs, applies the topic config. */
public record EnsurePartitionsCommand(Map<TopicPartition, Spec> partitions) implements ShardCommand<Void> {

    public record Spec(Uuid topicId, LogConfig config, int leaderEpoch, int minInsyncReplicas) {
    }

    @Override
    public Future<Void> execute(LogShard shard) {
        partitions.forEach((tp, spec) -> shard.ensure(tp, spec));
        return Future.succeededFuture();
    }
}
