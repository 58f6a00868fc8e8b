package io.gregor.broker.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;

import io.gregor.broker.log.AppendCommand;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.CloseConnectionException;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/**
 * Produce: the batches go, still as the client's bytes, to the shards owning their partitions.
 * With acks=0 nothing is answered, as in Kafka.
 */
public final class ProduceHandler implements ApiHandler {
    private final Apis apis;

    public ProduceHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        ProduceRequestData data = ((ProduceRequest) request).data();
        short version = context.apiVersion();
        short acks = data.acks();
        if (acks != 0 && acks != 1 && acks != -1)
            return Future.succeededFuture(request.getErrorResponse(new InvalidRequiredAcksException(
                "Invalid required acks " + acks + ": it must be -1 (all), 0 or 1")).data());
        MetadataImage image = apis.metadata().image();
        Map<TopicPartition, AppendCommand.Result> rejected = new LinkedHashMap<>();
        Map<TopicPartition, ByteBuffer> accepted = new HashMap<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            TopicImage known = image.topic(topic.name()).orElse(null);
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.index());
                if (known == null || partition.index() < 0 || partition.index() >= known.partitions().size()) {
                    rejected.put(tp, failed(Errors.UNKNOWN_TOPIC_OR_PARTITION, null));
                    continue;
                }
                MemoryRecords records = (MemoryRecords) partition.records();
                if (records == null) {
                    rejected.put(tp, failed(Errors.INVALID_RECORD, "The produce request carries no records for " + tp));
                    continue;
                }
                try {
                    ProduceRequest.validateRecords(version, records);
                } catch (ApiException e) {
                    rejected.put(tp, failed(Errors.forException(e), e.getMessage()));
                    continue;
                }
                accepted.put(tp, records.buffer());
            }
        }
        Future<Map<TopicPartition, AppendCommand.Result>> appended =
            apis.shards().scatter(accepted, records -> new AppendCommand(records, acks, data.timeoutMs()));
        if (acks == 0)
            return appended.compose(results -> failureOf(rejected, results));
        return appended.map(results -> {
            Map<TopicPartition, AppendCommand.Result> all = new LinkedHashMap<>(rejected);
            all.putAll(results);
            all.values().forEach(r -> context.error(r.error()));
            return response(all);
        });
    }


    /**
     * acks=0 gets no response; a failure closes the connection instead, as Kafka does, so the
     * producer notices and refreshes its metadata.
     */
    private static Future<ApiMessage> failureOf(Map<TopicPartition, AppendCommand.Result> rejected,
                                                Map<TopicPartition, AppendCommand.Result> results) {
        Map<TopicPartition, AppendCommand.Result> all = new LinkedHashMap<>(rejected);
        all.putAll(results);
        for (Map.Entry<TopicPartition, AppendCommand.Result> e : all.entrySet()) {
            if (e.getValue().error() != Errors.NONE)
                return Future.failedFuture(new CloseConnectionException("a produce with acks=0 to " + e.getKey()
                    + " failed with " + e.getValue().error().name()));
        }
        return Future.succeededFuture(null);
    }

    private static AppendCommand.Result failed(Errors error, String message) {
        return AppendCommand.Result.failed(error, message);
    }

    private static ProduceResponseData response(Map<TopicPartition, AppendCommand.Result> results) {
        Map<String, List<PartitionProduceResponse>> byTopic = new LinkedHashMap<>();
        results.forEach((tp, r) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
            .add(new PartitionProduceResponse().setIndex(tp.partition()).setErrorCode(r.error().code())
                .setErrorMessage(r.message()).setBaseOffset(r.baseOffset()).setLogAppendTimeMs(r.logAppendTime())
                .setLogStartOffset(r.logStartOffset())));
        ProduceResponseData response = new ProduceResponseData();
        byTopic.forEach((topic, partitions) ->
            response.responses().add(new TopicProduceResponse().setName(topic).setPartitionResponses(partitions)));
        return response;
    }
}
