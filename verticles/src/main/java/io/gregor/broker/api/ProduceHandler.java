package io.gregor.broker.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
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
                try {
                    ProduceRequest.validateRecords(version, records);
                } catch (ApiException e) {
                    rejected.put(tp, failed(Errors.forException(e), e.getMessage()));
                    continue;
                }
                accepted.put(tp, records.buffer());
            }
        }
        short acks = data.acks();
        Future<Map<TopicPartition, AppendCommand.Result>> appended =
            apis.shards().scatter(accepted, records -> new AppendCommand(records, acks));
        if (acks == 0)
            return Future.succeededFuture(null);
        return appended.map(results -> {
            Map<TopicPartition, AppendCommand.Result> all = new LinkedHashMap<>(rejected);
            all.putAll(results);
            return response(all);
        });
    }


    private static AppendCommand.Result failed(Errors error, String message) {
        return new AppendCommand.Result(error, message, -1L, -1L, -1L);
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
