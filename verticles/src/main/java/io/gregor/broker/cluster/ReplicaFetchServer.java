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

    private final int brokerId;
    private final LogShards shards;
    private final DelayedFetch fetches;

    public ReplicaFetchServer(int brokerId, LogShards shards) {
        this.brokerId = brokerId;
        this.shards = shards;
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
        return fetches.fetch(replicaId, specs, request.maxBytes(), request.minBytes(), deadline).map(results -> {
            FetchResponseData response = new FetchResponseData();
            Map<String, FetchResponseData.FetchableTopicResponse> topics = new LinkedHashMap<>();
            for (ReadCommand.Spec spec : specs) {
                ReadCommand.Result result = results.get(spec.tp());
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
        });
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
