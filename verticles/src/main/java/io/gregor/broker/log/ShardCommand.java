package io.gregor.broker.log;

import io.vertx.core.Future;

/**
 * Work for the log shard that owns some partitions. Passed by reference over the local event
 * bus, executed on the shard's event loop, so the logs it touches need no locks.
 */
public interface ShardCommand<R> {
    Future<R> execute(LogShard shard);
}
