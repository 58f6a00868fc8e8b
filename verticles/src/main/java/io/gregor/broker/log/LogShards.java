package io.gregor.broker.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;

import io.gregor.broker.bus.LocalCommands;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;

/** The client side of the log shards: which shard owns a partition, and how to ask it. */
public final class LogShards {

    private final EventBus bus;
    private final int count;

    public LogShards(EventBus bus, int count) {
        this.bus = bus;
        this.count = count;
    }

    public static String address(int shard) {
        return "gregor.log.shard." + shard;
    }

    public int count() {
        return count;
    }

    public int shardOf(TopicPartition tp) {
        return Math.floorMod(tp.hashCode(), count);
    }

    @SuppressWarnings("unchecked")
    public <R> Future<R> send(int shard, ShardCommand<R> command) {
        return bus.<Object>request(address(shard), command, LocalCommands.REQUEST).map(message -> (R) message.body());
    }

    /** Groups {@code items} by the shard owning their partition. */
    public <T> Map<Integer, List<T>> byShard(Collection<T> items, Function<T, TopicPartition> partition) {
        Map<Integer, List<T>> grouped = new HashMap<>();
        for (T item : items)
            grouped.computeIfAbsent(shardOf(partition.apply(item)), s -> new ArrayList<>()).add(item);
        return grouped;
    }

    /**
     * Splits a per-partition request by owning shard, sends one command per shard, and gathers the
     * per-partition results into one map.
     */
    public <V, R> Future<Map<TopicPartition, R>> scatter(Map<TopicPartition, V> items,
                                                        Function<Map<TopicPartition, V>, ShardCommand<Map<TopicPartition, R>>> command) {
        Map<Integer, Map<TopicPartition, V>> split = new HashMap<>();
        items.forEach((tp, value) -> split.computeIfAbsent(shardOf(tp), s -> new HashMap<>()).put(tp, value));
        List<Future<Map<TopicPartition, R>>> replies = new ArrayList<>();
        split.forEach((shard, shardItems) -> replies.add(send(shard, command.apply(shardItems))));
        return Future.all(replies).map(all -> {
            Map<TopicPartition, R> merged = new HashMap<>();
            for (Future<Map<TopicPartition, R>> reply : replies)
                merged.putAll(reply.result());
            return merged;
        });
    }
}
