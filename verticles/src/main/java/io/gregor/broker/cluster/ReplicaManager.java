package io.gregor.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.log.LogShards;
import io.gregor.broker.log.Partition;
import io.gregor.broker.log.RemovePartitionsCommand;
import io.gregor.broker.log.ReplicaStateCommand;
import io.gregor.broker.metadata.MetadataCache;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicConfigs;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.gregor.storage.log.LogConfig;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Keeps this broker's metadata cache and replicas in step with ZooKeeper (Kafka's ReplicaManager
 * receiving LeaderAndIsr and UpdateMetadata): on a notification it re-reads the named topics,
 * publishes them in the cache, opens the local replicas, makes each leader or follower, and
 * points the replica fetchers at the leaders. Reloads run one after another, so a later one
 * never applies an older read.
 */
public final class ReplicaManager extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final long RELOAD_DRAIN_MS = 5_000;

    /** What a reload changed in this broker's leadership, for the group coordinator. */
    public interface LeadershipListener {
        void leadershipChanged(Set<String> topics);
    }

    private final int brokerId;
    private final ZkMetadataStore store;
    private final MetadataCache cache;
    private final LogShards shards;
    private final TopicConfigs topicConfigs;
    private final LogConfig brokerLogConfig;
    private final ReplicaFetcherVerticle.Settings fetcherSettings;
    private final LeadershipListener leadershipListener;
    private ReplicaFetchers fetchers;
    private Future<Void> reloads = Future.succeededFuture();
    private boolean stopped;

    public ReplicaManager(int brokerId, ZkMetadataStore store, MetadataCache cache, LogShards shards,
                          TopicConfigs topicConfigs, LogConfig brokerLogConfig,
                          ReplicaFetcherVerticle.Settings fetcherSettings, LeadershipListener leadershipListener) {
        this.brokerId = brokerId;
        this.store = store;
        this.cache = cache;
        this.shards = shards;
        this.topicConfigs = topicConfigs;
        this.brokerLogConfig = brokerLogConfig;
        this.fetcherSettings = fetcherSettings;
        this.leadershipListener = leadershipListener;
    }

    @Override
    public void start(Promise<Void> started) {
        fetchers = new ReplicaFetchers(vertx, fetcherSettings, shards);
        vertx.eventBus().<JsonObject>consumer(InterBroker.metadataAddress(brokerId), message -> {
            JsonObject body = message.body();
            Future<Void> done = body.getBoolean("all", false) ? reloadAll() : reload(topics(body.getJsonArray("topics")));
            done.onComplete(r -> {
                if (r.succeeded())
                    message.reply(true);
                else
                    message.fail(1, String.valueOf(r.cause()));
            });
        }).completion().onComplete(started);
    }

    @Override
    public void stop(Promise<Void> stopped) {
        // Runs before the log shards stop: finish the reload under way (unless ZooKeeper is
        // unreachable and it would wait through every retry), take no more.
        this.stopped = true;
        Promise<Void> settled = Promise.promise();
        reloads.onComplete(r -> settled.tryComplete());
        long timer = vertx.setTimer(RELOAD_DRAIN_MS, t -> settled.tryComplete());
        settled.future().eventually(() -> {
            vertx.cancelTimer(timer);
            return fetchers.close();
        }).onComplete(r -> stopped.complete());
    }

    /** Every topic in ZooKeeper, and every topic this broker knows of (deleted ones go). */
    public Future<Void> reloadAll() {
        return enqueue(null);
    }

    public Future<Void> reload(Collection<String> topics) {
        return enqueue(Set.copyOf(topics));
    }

    private Future<Void> enqueue(Set<String> topics) {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            if (stopped)
                done.complete();
            else
                reloads = reloads.transform(previous -> read(topics).compose(this::apply)).onComplete(done);
        });
        return done.future();
    }

    private static Set<String> topics(JsonArray names) {
        Set<String> topics = new HashSet<>();
        if (names != null)
            names.forEach(n -> topics.add(String.valueOf(n)));
        return topics;
    }

    /** A topic as read, or empty when it is gone or marked for deletion. */
    private record Loaded(String name, Optional<TopicImage> image) {
    }

    private Future<List<Loaded>> read(Set<String> wanted) {
        Set<String> known = cache.image().topics().keySet();
        return vertx.executeBlocking(() -> {
            Set<String> names = new HashSet<>();
            Map<String, TopicAssignment> all = wanted == null ? store.topics() : null;
            if (wanted == null) {
                names.addAll(all.keySet());
                names.addAll(known);
            } else {
                names.addAll(wanted);
            }
            Set<String> deleting = store.topicsMarkedForDeletion();
            List<Loaded> loaded = new ArrayList<>();
            for (String name : names) {
                Optional<TopicAssignment> topic = deleting.contains(name) ? Optional.empty()
                    : all != null ? Optional.ofNullable(all.get(name)) : store.topic(name);
                loaded.add(new Loaded(name, topic.map(t -> TopicImage.of(t, store.partitionStates(name),
                    store.topicConfigs(name)))));
            }
            return loaded;
        });
    }

    private Future<Void> apply(List<Loaded> loaded) {
        Map<TopicPartition, ReplicaStateCommand.Spec> local = new HashMap<>();
        Set<TopicPartition> removed = new HashSet<>();
        Set<String> changedTopics = new HashSet<>();
        for (Loaded topic : loaded) {
            changedTopics.add(topic.name());
            if (topic.image().isEmpty()) {
                TopicImage gone = cache.image().topic(topic.name()).orElse(null);
                cache.update(m -> m.withoutTopic(topic.name()));
                if (gone != null)
                    gone.partitions().forEach(p -> removed.add(new TopicPartition(topic.name(), p.partition())));
                continue;
            }
            TopicImage image = topic.image().get();
            cache.update(m -> m.withTopic(image));
            LogConfig config = topicConfigs.logConfig(brokerLogConfig, image.configs());
            int minIsr = topicConfigs.minInsyncReplicas(image.configs());
            for (PartitionImage p : image.partitions()) {
                TopicPartition tp = new TopicPartition(image.name(), p.partition());
                if (p.replicas().contains(brokerId))
                    local.put(tp, new ReplicaStateCommand.Spec(image.id(), config, minIsr, p.leader(), p.leaderEpoch(),
                        p.replicas(), p.isr(), p.zkVersion(), p.controllerEpoch()));
            }
        }
        Future<Void> stopped = fetchers.stopFollowing(removed).compose(v -> removeReplicas(removed));
        return stopped.compose(v -> shards.scatter(local, ReplicaStateCommand::new)).compose(results -> {
            Map<TopicPartition, Integer> leaders = new HashMap<>();
            Map<TopicPartition, ReplicaFetcherVerticle.Start> starts = new HashMap<>();
            List<TopicPartition> notFollowing = new ArrayList<>();
            results.forEach((tp, r) -> {
                if (r.transition() == Partition.Transition.FOLLOWER) {
                    leaders.put(tp, r.leader());
                    starts.put(tp, new ReplicaFetcherVerticle.Start(r.leaderEpoch(), r.logEndOffset(), r.latestLocalEpoch()));
                } else if (r.transition() != Partition.Transition.UNCHANGED) {
                    notFollowing.add(tp);
                }
            });
            return fetchers.stopFollowing(notFollowing).compose(v -> fetchers.follow(leaders, starts));
        }).onSuccess(v -> leadershipListener.leadershipChanged(changedTopics))
            .onFailure(e -> log.error("Applying the metadata of {} failed", changedTopics, e));
    }

    private Future<Void> removeReplicas(Set<TopicPartition> removed) {
        if (removed.isEmpty())
            return Future.succeededFuture();
        List<Future<Void>> done = new ArrayList<>();
        shards.byShard(removed, tp -> tp).forEach((shard, owned) ->
            done.add(shards.send(shard, new RemovePartitionsCommand(Set.copyOf(owned)))));
        return Future.all(done).mapEmpty();
    }
}
