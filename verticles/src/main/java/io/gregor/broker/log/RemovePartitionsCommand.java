package io.gregor.broker.log;

import java.util.Set;

import org.apache.kafka.common.TopicPartition;

import io.vertx.core.Future;

/** Stops serving the partitions and deletes their logs (topic deletion). */
public record RemovePartitionsCommand(Set<TopicPartition> partitions) implements ShardCommand<Void> {
    @Override
    public Future<Void> execute(LogShard shard) {
        partitions.forEach(shard::remove);
        return Future.succeededFuture();
    }
}
