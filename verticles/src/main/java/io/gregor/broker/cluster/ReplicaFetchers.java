package io.gregor.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;

import io.gregor.broker.bus.LocalCommands;
import io.gregor.broker.log.LogShards;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The replica fetchers of this broker, one verticle per leader broker followed (Kafka's
 * ReplicaFetcherManager with num.replica.fetchers=1), deployed on first use. Used from the
 * replica manager's event loop only.
 */
final class ReplicaFetchers {
    private final Vertx vertx;
    private final ReplicaFetcherVerticle.Settings settings;
    private final LogShards shards;
    private final Map<Integer, Future<String>> fetchers = new HashMap<>();
    private final Map<TopicPartition, Integer> following = new HashMap<>();

    ReplicaFetchers(Vertx vertx, ReplicaFetcherVerticle.Settings settings, LogShards shards) {
        this.vertx = vertx;
        this.settings = settings;
        this.shards = shards;
    }

    /** Follow each partition from its leader, starting over (truncation first) where given. */
    Future<Void> follow(Map<TopicPartition, Integer> leaders, Map<TopicPartition, ReplicaFetcherVerticle.Start> starts) {
        Future<Void> removed = stopFollowing(leaders.keySet());
        Map<Integer, Map<TopicPartition, ReplicaFetcherVerticle.Start>> byLeader = new HashMap<>();
        leaders.forEach((tp, leader) -> byLeader.computeIfAbsent(leader, l -> new HashMap<>()).put(tp, starts.get(tp)));
        return removed.compose(v -> {
            List<Future<?>> added = new ArrayList<>();
            byLeader.forEach((leader, partitions) -> {
                partitions.keySet().forEach(tp -> following.put(tp, leader));
                added.add(call(leader, fetcher -> {
                    fetcher.add(partitions);
                    return Future.succeededFuture();
                }));
            });
            return Future.all(added).mapEmpty();
        });
    }

    Future<Void> stopFollowing(Collection<TopicPartition> partitions) {
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Integer leader = following.remove(tp);
            if (leader != null)
                byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(tp);
        }
        List<Future<?>> removed = new ArrayList<>();
        byLeader.forEach((leader, tps) -> removed.add(call(leader, fetcher -> {
            fetcher.remove(tps);
            return Future.succeededFuture();
        })));
        return Future.all(removed).mapEmpty();
    }

    Future<Void> close() {
        List<Future<?>> undeployed = new ArrayList<>();
        fetchers.values().forEach(id -> undeployed.add(id.compose(vertx::undeploy)));
        fetchers.clear();
        following.clear();
        return Future.join(undeployed).mapEmpty();
    }

    private Future<Object> call(int leader, Function<ReplicaFetcherVerticle, Future<?>> command) {
        Future<String> deployed = fetchers.computeIfAbsent(leader,
            l -> vertx.deployVerticle(new ReplicaFetcherVerticle(l, settings, shards)));
        return deployed.compose(id -> vertx.eventBus().request(ReplicaFetcherVerticle.address(leader), command,
            LocalCommands.REQUEST)).map(reply -> reply.body());
    }
}
