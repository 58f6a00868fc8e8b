package io.gregor.broker.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The waiting half of a delayed fetch: completes with true as soon as any of the partitions has
 * data past its fetch offset (below the high watermark for consumers, the log end for followers),
 * or with false after {@code maxWaitMs}. Parks as append listeners and one timer in the owning
 * shard.
 */
public record AwaitDataCommand(Map<TopicPartition, Long> fetchOffsets, long maxWaitMs, boolean follower)
        implements ShardCommand<Boolean> {

    @Override
    public Future<Boolean> execute(LogShard shard) {
        List<Partition> watched = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : fetchOffsets.entrySet()) {
            Partition partition = shard.partition(e.getKey());
            if (partition == null || visibleEnd(partition) > e.getValue())
                return Future.succeededFuture(true);
            watched.add(partition);
        }
        Promise<Boolean> promise = Promise.promise();
        long[] timer = new long[1];
        Runnable wake = new Runnable() {
            @Override
            public void run() {
                if (promise.tryComplete(true)) {
                    shard.getVertx().cancelTimer(timer[0]);
                    watched.forEach(p -> p.forgetListener(this));
                }
            }
        };
        watched.forEach(p -> p.onNextAppend(wake));
        timer[0] = shard.getVertx().setTimer(Math.max(1, maxWaitMs), t -> {
            if (promise.tryComplete(false))
                watched.forEach(p -> p.forgetListener(wake));
        });
        return promise.future();
    }

    /** Consumers see up to the high watermark, followers up to the log end. */
    private long visibleEnd(Partition partition) {
        return follower ? partition.log().logEndOffset() : partition.log().highWatermark();
    }
}
