package io.gregor.broker.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.log.DelayedFetch;
import io.gregor.broker.log.EpochEndOffsetCommand;
import io.gregor.broker.log.LogShards;
import io.gregor.broker.log.ReadCommand;
import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogManager;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;

/**
 * The leader's side of replication: serves followers' Fetch (long-polled, reading up to the log
 * end, each fetch offset telling the leader how far the follower got) and OffsetForLeaderEpoch,
 * arriving over the clustered event bus at this broker's replica address.
 */
public final class ReplicaFetchServer extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetchServer.class);

    /** How often a follower's unchanged position is still passed on to the partition's shard. */
    private static final long POSITION_REFRESH_MS = 1_000;

    private final int brokerId;
    private final LogShards shards;
    private final LogManager logManager;
    private final DelayedFetch fetches;
    /** Per follower and partition, what the shard was last told. */
    private final Map<Integer, Map<TopicPartition, Forwarded>> forwarded = new HashMap<>();

    private record Forwarded(long fetchOffset, int leaderEpoch, long atMs) {
    }

    public ReplicaFetchServer(int brokerId, LogShards shards, LogManager logManager) {
        this.brokerId = brokerId;
        this.shards = shards;
        this.logManager = logManager;
        this.fetches = new DelayedFetch(shards);
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.eventBus().<Buffer>consumer(InterBroker.replicaAddress(brokerId), this::serve).completion().onComplete(started);
    }

    private void serve(Message<Buffer> message) {
        String api = message.headers().get(InterBroker.API_HEADER);
        Future<Buffer> reply;
        try {
            if (ApiKeys.FETCH.name.equals(api))
                reply = fetch(new FetchRequestData(InterBroker.reader(message.body()), InterBroker.FETCH_VERSION));
            else if (ApiKeys.OFFSET_FOR_LEADER_EPOCH.name.equals(api))
                reply = epochEndOffsets(new OffsetForLeaderEpochRequestData(InterBroker.reader(message.body()),
                    InterBroker.OFFSET_FOR_LEADER_EPOCH_VERSION));
            else
                reply = Future.failedFuture("unknown inter-broker api " + api);
        } catch (RuntimeException e) {
            reply = Future.failedFuture(e);
        }
        reply.onComplete(r -> {
            if (r.succeeded()) {
                message.reply(r.result());
            } else {
                log.warn("Replica request {} failed: {}", api, r.cause().toString());
                message.fail(1, String.valueOf(r.cause()));
            }
        });
    }

    private Future<Buffer> fetch(FetchRequestData request) {
        int replicaId = request.replicaId();
        List<ReadCommand.Spec> specs = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            for (FetchRequestData.FetchPartition p : topic.partitions())
                specs.add(new ReadCommand.Spec(new TopicPartition(topic.topic(), p.partition()), p.fetchOffset(),
                    p.partitionMaxBytes(), p.currentLeaderEpoch()));
        }
        long deadline = System.currentTimeMillis() + Math.max(0, request.maxWaitMs());
        Map<TopicPartition, Forwarded> forwarded = this.forwarded.computeIfAbsent(replicaId, r -> new HashMap<>());
        return fetchNews(replicaId, specs, forwarded, request.maxBytes(), request.minBytes(), deadline)
            .map(results -> encode(specs, results));
    }

    /**
     * Reads only the partitions with news for this follower: records past its fetch offset, or a
     * fetch offset (or leader epoch) the shard has not been told, which may move the high watermark
     * and keeps the follower in the ISR. A follower's fetch names every partition it follows from
     * this broker; asking every shard each time cost most of an acks=all round trip. Positions are
     * passed on at least every {@link #POSITION_REFRESH_MS}, so an idle follower stays caught up.
     * With nothing to read, waits for an append on any of them, as a delayed fetch does.
     */
    private Future<Map<TopicPartition, ReadCommand.Result>> fetchNews(int replicaId, List<ReadCommand.Spec> specs,
                                                                     Map<TopicPartition, Forwarded> forwarded,
                                                                     int maxBytes, int minBytes, long deadline) {
        long now = System.currentTimeMillis();
        List<ReadCommand.Spec> news = new ArrayList<>();
        for (ReadCommand.Spec spec : specs) {
            Forwarded last = forwarded.get(spec.tp());
            if (last == null || last.fetchOffset() != spec.fetchOffset() || last.leaderEpoch() != spec.currentLeaderEpoch()
                    || now - last.atMs() >= POSITION_REFRESH_MS || logEndOffset(spec.tp()) > spec.fetchOffset())
                news.add(spec);
        }
        Future<Map<TopicPartition, ReadCommand.Result>> read = news.isEmpty() ? Future.succeededFuture(Map.of())
            : fetches.read(replicaId, news, maxBytes);
        return read.compose(results -> {
            news.forEach(s -> forwarded.put(s.tp(), new Forwarded(s.fetchOffset(), s.currentLeaderEpoch(), now)));
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0 || specs.isEmpty() || (!results.isEmpty() && DelayedFetch.satisfied(results, minBytes)))
                return Future.succeededFuture(results);
            results.values().forEach(r -> r.records().close());
            return fetches.awaitData(replicaId, specs, remaining)
                .compose(woken -> fetchNews(replicaId, specs, forwarded, maxBytes, minBytes, deadline));
        });
    }

    /** Read across threads: the log end offset is volatile, and only a hint here (the shard decides). */
    private long logEndOffset(TopicPartition tp) {
        return logManager.getLog(tp).map(Log::logEndOffset).orElse(Long.MAX_VALUE);
    }

    private static Buffer encode(List<ReadCommand.Spec> specs, Map<TopicPartition, ReadCommand.Result> results) {
        FetchResponseData response = new FetchResponseData();
        Map<String, FetchResponseData.FetchableTopicResponse> topics = new LinkedHashMap<>();
        for (ReadCommand.Spec spec : specs) {
            ReadCommand.Result result = results.get(spec.tp());
            if (result == null)
                continue; // nothing new: the follower keeps its position, as with an incremental fetch session
            FetchResponseData.FetchableTopicResponse topic = topics.computeIfAbsent(spec.tp().topic(), name -> {
                FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse().setTopic(name);
                response.responses().add(t);
                return t;
            });
            topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(spec.tp().partition())
                .setErrorCode(result.error().code()).setHighWatermark(result.highWatermark())
                .setLogStartOffset(result.logStartOffset())
                .setRecords(result.records().isEmpty() ? MemoryRecords.EMPTY
                    : MemoryRecords.readableRecords(result.records().records())));
        }
        try {
            return InterBroker.encode(response, InterBroker.FETCH_VERSION);
        } finally {
            results.values().forEach(r -> r.records().close());
        }
    }

    private Future<Buffer> epochEndOffsets(OffsetForLeaderEpochRequestData request) {
        Map<TopicPartition, Integer> epochs = new HashMap<>();
        Map<TopicPartition, Integer> current = new HashMap<>();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : request.topics()) {
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                epochs.put(tp, p.leaderEpoch());
                current.put(tp, p.currentLeaderEpoch());
            }
        }
        return shards.scatter(epochs, shardEpochs -> new EpochEndOffsetCommand(shardEpochs, current)).map(results -> {
            OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
            Map<String, OffsetForLeaderTopicResult> topics = new LinkedHashMap<>();
            results.forEach((tp, r) -> topics.computeIfAbsent(tp.topic(), name -> {
                OffsetForLeaderTopicResult t = new OffsetForLeaderTopicResult().setTopic(name);
                response.topics().add(t);
                return t;
            }).partitions().add(new EpochEndOffset().setPartition(tp.partition()).setErrorCode(r.error().code())
                .setLeaderEpoch(r.error() == Errors.NONE ? r.endOffset().epoch() : -1)
                .setEndOffset(r.error() == Errors.NONE ? r.endOffset().endOffset() : -1)));
            return InterBroker.encode(response, InterBroker.OFFSET_FOR_LEADER_EPOCH_VERSION);
        });
    }
}
