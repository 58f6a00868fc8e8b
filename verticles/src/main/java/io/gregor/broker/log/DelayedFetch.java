package io.gregor.broker.log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import io.vertx.core.Future;

/**
 * A long-polled fetch over the shards, for consumers and followers alike: read what is there; if
 * that is less than {@code minBytes}, park in the owning shards until an append arrives or the
 * deadline passes, then read again.
 */
public final class DelayedFetch {
    private final LogShards shards;

    public DelayedFetch(LogShards shards) {
        this.shards = shards;
    }

    /** The results hold leases on the logs: the caller closes their records. */
    public Future<Map<TopicPartition, ReadCommand.Result>> fetch(int replicaId, List<ReadCommand.Spec> specs, int maxBytes,
                                                                int minBytes, long deadline) {
        return read(replicaId, specs, maxBytes).compose(results -> {
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0 || specs.isEmpty() || satisfied(results, minBytes))
                return Future.succeededFuture(results);
            results.values().forEach(r -> r.records().close());
            // Woken by an append or the deadline: read again, and wait more only if still below min bytes.
            return awaitData(replicaId, specs, remaining)
                .compose(woken -> fetch(replicaId, specs, maxBytes, minBytes, deadline));
        });
    }

    /** One read of {@code specs} on their shards, without waiting. */
    public Future<Map<TopicPartition, ReadCommand.Result>> read(int replicaId, List<ReadCommand.Spec> specs, int maxBytes) {
        Map<Integer, List<ReadCommand.Spec>> byShard = shards.byShard(specs, ReadCommand.Spec::tp);
        List<Future<Map<TopicPartition, ReadCommand.Result>>> replies = new ArrayList<>();
        byShard.forEach((shard, shardSpecs) -> replies.add(shards.send(shard, new ReadCommand(replicaId, shardSpecs, maxBytes))));
        return Future.all(replies).map(all -> {
            Map<TopicPartition, ReadCommand.Result> merged = new HashMap<>();
            replies.forEach(r -> merged.putAll(r.result()));
            return merged;
        });
    }

    /** Whether the results hold an error or at least {@code minBytes} of records. */
    public static boolean satisfied(Map<TopicPartition, ReadCommand.Result> results, int minBytes) {
        long bytes = 0;
        for (ReadCommand.Result result : results.values()) {
            if (result.error() != Errors.NONE)
                return true;
            bytes += result.records().sizeInBytes();
        }
        return bytes >= minBytes;
    }

    /** Completes once any of {@code specs} has data past its fetch offset, or after {@code maxWaitMs}. */
    public Future<Boolean> awaitData(int replicaId, List<ReadCommand.Spec> specs, long maxWaitMs) {
        Map<Integer, List<ReadCommand.Spec>> byShard = shards.byShard(specs, ReadCommand.Spec::tp);
        List<Future<Boolean>> waits = new ArrayList<>();
        byShard.forEach((shard, shardSpecs) -> {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            shardSpecs.forEach(s -> offsets.put(s.tp(), s.fetchOffset()));
            waits.add(shards.send(shard, new AwaitDataCommand(offsets, maxWaitMs, replicaId != ReadCommand.CONSUMER)));
        });
        return Future.any(waits).map(true);
    }
}
