package io.gregor.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.bus.LocalCommands;
import io.gregor.broker.log.FollowerAppendCommand;
import io.gregor.broker.log.FollowerPosition;
import io.gregor.broker.log.FollowerTruncateCommand;
import io.gregor.broker.log.FollowerTruncateCommand.Divergence;
import io.gregor.broker.log.LogShards;
import io.gregor.storage.epoch.EpochEndOffset;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * Follows one leader broker (Kafka's ReplicaFetcherThread): for every partition it follows there,
 * first asks where its latest epoch ends on the leader and truncates, then fetches from its log
 * end, appends, and fetches again. One request at a time; the leader long-polls.
 */
public final class ReplicaFetcherVerticle extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherVerticle.class);
    private static final long REQUEST_TIMEOUT_SLACK_MS = 2_000;

    /** @param maxWaitMs replica.fetch.wait.max.ms; @param backoffMs replica.fetch.backoff.ms */
    public record Settings(int brokerId, int maxWaitMs, int minBytes, int maxBytes, int partitionMaxBytes,
                           int backoffMs) {
    }

    /** Where following a partition starts: its epoch, log end and the latest epoch the local log holds. */
    public record Start(int leaderEpoch, long logEndOffset, int latestLocalEpoch) {
    }

    private static final class FetchState {
        final int leaderEpoch;
        long fetchOffset;
        int latestLocalEpoch;
        boolean truncating = true;
        long delayedUntilMs;

        FetchState(Start start) {
            this.leaderEpoch = start.leaderEpoch();
            this.fetchOffset = start.logEndOffset();
            this.latestLocalEpoch = start.latestLocalEpoch();
        }
    }

    private final int leaderId;
    private final Settings settings;
    private final LogShards shards;
    private final Map<TopicPartition, FetchState> partitions = new LinkedHashMap<>();
    private boolean inFlight;
    private long retryTimer = -1;

    public ReplicaFetcherVerticle(int leaderId, Settings settings, LogShards shards) {
        this.leaderId = leaderId;
        this.settings = settings;
        this.shards = shards;
    }

    static String address(int leaderId) {
        return "gregor.replica.fetcher." + leaderId;
    }

    @Override
    public void start(Promise<Void> started) {
        LocalCommands.<Function<ReplicaFetcherVerticle, Future<?>>>serve(vertx, address(leaderId), command -> command.apply(this))
            .completion().onComplete(started);
    }

    void add(Map<TopicPartition, Start> added) {
        added.forEach((tp, start) -> partitions.put(tp, new FetchState(start)));
        log.info("Fetching {} from broker {}", added.keySet(), leaderId);
        pump();
    }

    void remove(Collection<TopicPartition> removed) {
        removed.forEach(partitions::remove);
    }

    private void pump() {
        if (inFlight || partitions.isEmpty())
            return;
        long now = System.currentTimeMillis();
        Map<TopicPartition, FetchState> truncating = new HashMap<>();
        Map<TopicPartition, FetchState> fetching = new LinkedHashMap<>();
        long nextReady = Long.MAX_VALUE;
        for (Map.Entry<TopicPartition, FetchState> e : partitions.entrySet()) {
            FetchState state = e.getValue();
            if (state.delayedUntilMs > now)
                nextReady = Math.min(nextReady, state.delayedUntilMs);
            else
                (state.truncating ? truncating : fetching).put(e.getKey(), state);
        }
        Future<Void> round;
        if (!truncating.isEmpty())
            round = truncate(truncating);
        else if (!fetching.isEmpty())
            round = fetch(fetching);
        else {
            scheduleRetry(nextReady - now);
            return;
        }
        inFlight = true;
        round.onComplete(r -> {
            inFlight = false;
            if (r.failed()) {
                log.warn("Replication from broker {} failed, retrying in {} ms: {}", leaderId, settings.backoffMs(), r.cause().toString());
                long until = System.currentTimeMillis() + settings.backoffMs();
                partitions.values().forEach(s -> s.delayedUntilMs = until);
            }
            pump();
        });
    }

    private void scheduleRetry(long delayMs) {
        if (retryTimer >= 0 || delayMs == Long.MAX_VALUE)
            return;
        retryTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
            retryTimer = -1;
            pump();
        });
    }

    private Future<Void> truncate(Map<TopicPartition, FetchState> truncating) {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(settings.brokerId());
        Map<String, OffsetForLeaderTopic> topics = new LinkedHashMap<>();
        truncating.forEach((tp, state) -> topics.computeIfAbsent(tp.topic(), name -> {
            OffsetForLeaderTopic topic = new OffsetForLeaderTopic().setTopic(name);
            request.topics().add(topic);
            return topic;
        }).partitions().add(new OffsetForLeaderPartition().setPartition(tp.partition())
            .setCurrentLeaderEpoch(state.leaderEpoch).setLeaderEpoch(Math.max(0, state.latestLocalEpoch))));
        return vertx.eventBus().<Buffer>request(InterBroker.replicaAddress(leaderId),
                InterBroker.encode(request, InterBroker.OFFSET_FOR_LEADER_EPOCH_VERSION),
                InterBroker.request(ApiKeys.OFFSET_FOR_LEADER_EPOCH, requestTimeoutMs()))
            .compose(reply -> {
                OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData(
                    InterBroker.reader(reply.body()), InterBroker.OFFSET_FOR_LEADER_EPOCH_VERSION);
                Map<TopicPartition, Divergence> divergences = new HashMap<>();
                Map<Errors, List<TopicPartition>> refused = new HashMap<>();
                for (var topic : response.topics()) {
                    for (var p : topic.partitions()) {
                        TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                        FetchState state = truncating.get(tp);
                        if (state == null || partitions.get(tp) != state)
                            continue;
                        Errors error = Errors.forCode(p.errorCode());
                        if (error != Errors.NONE) {
                            delay(tp, state, error, refused);
                            continue;
                        }
                        divergences.put(tp, new Divergence(state.latestLocalEpoch,
                            new EpochEndOffset(p.leaderEpoch(), p.endOffset()), -1));
                    }
                }
                logRefusals(refused);
                return applyTruncation(divergences, truncating);
            });
    }

    private Future<Void> applyTruncation(Map<TopicPartition, Divergence> divergences, Map<TopicPartition, FetchState> states) {
        if (divergences.isEmpty())
            return Future.succeededFuture();
        return shards.scatter(divergences, FollowerTruncateCommand::new).map(positions -> {
            positions.forEach((tp, position) -> {
                FetchState state = states.get(tp);
                if (state != null && partitions.get(tp) == state && moveTo(tp, state, position))
                    state.truncating = false;
            });
            return null;
        });
    }

    private Future<Void> fetch(Map<TopicPartition, FetchState> fetching) {
        FetchRequestData request = new FetchRequestData().setReplicaId(settings.brokerId())
            .setMaxWaitMs(settings.maxWaitMs()).setMinBytes(settings.minBytes()).setMaxBytes(settings.maxBytes())
            .setSessionId(0).setSessionEpoch(-1);
        Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        fetching.forEach((tp, state) -> topics.computeIfAbsent(tp.topic(), name -> {
            FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(name);
            request.topics().add(topic);
            return topic;
        }).partitions().add(new FetchRequestData.FetchPartition().setPartition(tp.partition())
            .setCurrentLeaderEpoch(state.leaderEpoch).setFetchOffset(state.fetchOffset)
            .setPartitionMaxBytes(settings.partitionMaxBytes())));
        return vertx.eventBus().<Buffer>request(InterBroker.replicaAddress(leaderId),
                InterBroker.encode(request, InterBroker.FETCH_VERSION), InterBroker.request(ApiKeys.FETCH, requestTimeoutMs()))
            .compose(reply -> append(new FetchResponseData(InterBroker.reader(reply.body()), InterBroker.FETCH_VERSION),
                fetching));
    }

    private Future<Void> append(FetchResponseData response, Map<TopicPartition, FetchState> fetched) {
        Map<TopicPartition, FollowerAppendCommand.Fetched> appends = new HashMap<>();
        Map<TopicPartition, Divergence> startOver = new HashMap<>();
        Map<Errors, List<TopicPartition>> refused = new HashMap<>();
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partitionIndex());
                FetchState state = fetched.get(tp);
                if (state == null || partitions.get(tp) != state)
                    continue;
                Errors error = Errors.forCode(p.errorCode());
                if (error == Errors.NONE) {
                    MemoryRecords records = (MemoryRecords) p.records();
                    appends.put(tp, new FollowerAppendCommand.Fetched(records.buffer(), p.highWatermark(), p.logStartOffset(),
                        state.leaderEpoch));
                } else if (error == Errors.OFFSET_OUT_OF_RANGE && state.fetchOffset < p.logStartOffset()) {
                    startOver.put(tp, Divergence.startOver(p.logStartOffset()));
                } else if (error == Errors.OFFSET_OUT_OF_RANGE) {
                    state.truncating = true;
                } else {
                    delay(tp, state, error, refused);
                }
            }
        }
        logRefusals(refused);
        List<Future<?>> done = new ArrayList<>();
        if (!startOver.isEmpty())
            done.add(applyTruncation(startOver, fetched));
        if (!appends.isEmpty())
            done.add(shards.scatter(appends, FollowerAppendCommand::new).map(positions -> {
                positions.forEach((tp, position) -> {
                    FetchState state = fetched.get(tp);
                    if (state != null && partitions.get(tp) == state && moveTo(tp, state, position)
                            && position.error() != Errors.NONE)
                        state.truncating = true;
                });
                return null;
            }));
        return Future.all(done).mapEmpty();
    }

    /** Takes the local log's position; false if this broker no longer follows the partition. */
    private boolean moveTo(TopicPartition tp, FetchState state, FollowerPosition position) {
        if (position.error() == Errors.NOT_LEADER_OR_FOLLOWER) {
            partitions.remove(tp);
            return false;
        }
        state.fetchOffset = position.logEndOffset();
        state.latestLocalEpoch = position.latestEpoch();
        return true;
    }

    /** The leader refused (an epoch or leadership moved): wait for the metadata to catch up. */
    private void delay(TopicPartition tp, FetchState state, Errors error, Map<Errors, List<TopicPartition>> refused) {
        state.delayedUntilMs = System.currentTimeMillis() + settings.backoffMs();
        state.truncating = true;
        refused.computeIfAbsent(error, e -> new ArrayList<>()).add(tp);
    }

    private void logRefusals(Map<Errors, List<TopicPartition>> refused) {
        refused.forEach((error, tps) -> log.info("Broker {} answered {} for {}; retrying in {} ms", leaderId, error, tps,
            settings.backoffMs()));
    }

    /**
     * A request the leader never answers ends here, not at the ZooKeeper session timeout: the
     * leader answers within its max wait unless it is gone, or unless the event bus dropped the
     * message (seen on the first message between two nodes that have just joined, before each
     * sees the other as a member). A repeated fetch is harmless.
     */
    private long requestTimeoutMs() {
        return settings.maxWaitMs() + REQUEST_TIMEOUT_SLACK_MS;
    }
}
