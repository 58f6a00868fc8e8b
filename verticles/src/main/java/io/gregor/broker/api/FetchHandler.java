package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;

import io.gregor.broker.log.DelayedFetch;
import io.gregor.broker.log.ReadCommand;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.TopicMetrics;
import io.gregor.storage.log.LogSlice;
import io.vertx.core.Future;

/**
 * Fetch from consumers, long-polled ({@link io.gregor.broker.log.DelayedFetch}). No fetch
 * sessions are created (session id 0), so clients keep sending full requests, which Kafka allows.
 * Record bytes go from the mapped segments to the socket without a copy.
 */
public final class FetchHandler implements ApiHandler {
    private final Apis apis;
    private final DelayedFetch fetches;

    public FetchHandler(Apis apis) {
        this.apis = apis;
        this.fetches = new DelayedFetch(apis.shards());
    }

    /** One requested partition, in request order, with the topic id it was asked by. */
    private record Wanted(TopicPartition tp, Uuid topicId, Errors error, ReadCommand.Spec spec) {
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        FetchRequestData data = ((FetchRequest) request).data();
        short version = context.apiVersion();
        MetadataImage image = apis.metadata().image();
        Map<Uuid, String> names = version >= 13 ? image.topicNames() : Map.of();
        List<Wanted> wanted = new ArrayList<>();
        List<ReadCommand.Spec> specs = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            String name = version >= 13 ? names.get(topic.topicId()) : topic.topic();
            TopicImage known = name == null ? null : image.topic(name).orElse(null);
            for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(name == null ? "" : name, partition.partition());
                Errors error = Errors.NONE;
                if (name == null)
                    error = Errors.UNKNOWN_TOPIC_ID;
                else if (known == null || partition.partition() < 0 || partition.partition() >= known.partitions().size())
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                ReadCommand.Spec spec = null;
                if (error == Errors.NONE) {
                    spec = new ReadCommand.Spec(tp, partition.fetchOffset(), partition.partitionMaxBytes(),
                        partition.currentLeaderEpoch());
                    specs.add(spec);
                }
                wanted.add(new Wanted(tp, topic.topicId(), error, spec));
            }
        }
        int maxBytes = version >= 3 ? Math.min(data.maxBytes(), apis.settings().fetchMaxBytes()) : Integer.MAX_VALUE;
        long deadline = System.currentTimeMillis() + Math.max(0, data.maxWaitMs());
        return fetches.fetch(ReadCommand.CONSUMER, specs, maxBytes, data.minBytes(), deadline)
            .map(results -> response(context, version, wanted, results, apis.metrics()));
    }

    /** Errors Kafka does not count as failed fetches (ReplicaManager.readFromLog). */
    private static boolean expected(Errors error) {
        return switch (error) {
            case NONE, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH,
                FENCED_LEADER_EPOCH, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, OFFSET_OUT_OF_RANGE,
                INCONSISTENT_TOPIC_ID -> true;
            default -> false;
        };
    }

    private static FetchResponseData response(RequestContext context, short version, List<Wanted> wanted,
                                              Map<TopicPartition, ReadCommand.Result> results, BrokerMetrics metrics) {
        FetchResponseData response = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        Map<String, FetchableTopicResponse> topics = new LinkedHashMap<>();
        for (Wanted w : wanted) {
            String key = version >= 13 ? w.topicId().toString() : w.tp().topic();
            FetchableTopicResponse topic = topics.computeIfAbsent(key, k -> {
                FetchableTopicResponse t = new FetchableTopicResponse().setTopic(w.tp().topic()).setTopicId(w.topicId());
                response.responses().add(t);
                return t;
            });
            PartitionData partition = new PartitionData().setPartitionIndex(w.tp().partition());
            ReadCommand.Result result = w.error() == Errors.NONE ? results.get(w.tp()) : null;
            context.error(result == null ? w.error() : result.error());
            if (result != null) {
                // Only topics that exist get meters: a client cannot add series by asking for names.
                TopicMetrics topicMetrics = metrics.topic(w.tp().topic());
                topicMetrics.fetchRequest();
                if (!expected(result.error()))
                    topicMetrics.failedFetch();
                topicMetrics.bytesOut(result.records().sizeInBytes());
            }
            if (result == null) {
                partition.setErrorCode(w.error().code()).setHighWatermark(-1).setLogStartOffset(-1)
                    .setRecords(MemoryRecords.EMPTY);
            } else {
                LogSlice slice = result.records();
                context.releaseAfterSend(slice);
                partition.setErrorCode(result.error().code())
                    .setHighWatermark(result.highWatermark())
                    .setLastStableOffset(result.highWatermark())
                    .setLogStartOffset(result.logStartOffset())
                    .setAbortedTransactions(null)
                    .setRecords(slice.isEmpty() ? MemoryRecords.EMPTY : MemoryRecords.readableRecords(slice.records()));
            }
            topic.partitions().add(partition);
        }
        return response;
    }
}
