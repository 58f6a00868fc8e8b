package io.gregor.broker.api;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteRecordsRequest;

import io.gregor.broker.log.DeleteRecordsCommand;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** DeleteRecords: advances log start offsets (never past the high watermark). */
public final class DeleteRecordsHandler implements ApiHandler {
    private final Apis apis;

    public DeleteRecordsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DeleteRecordsRequestData data = ((DeleteRecordsRequest) request).data();
        MetadataImage image = apis.metadata().image();
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics()) {
            TopicImage known = image.topic(topic.name()).orElse(null);
            for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                if (known != null && partition.partitionIndex() < known.partitions().size())
                    offsets.put(new TopicPartition(topic.name(), partition.partitionIndex()), partition.offset());
            }
        }
        return apis.shards().scatter(offsets, DeleteRecordsCommand::new).map(results -> {
                DeleteRecordsResponseData response = new DeleteRecordsResponseData();
                for (DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics()) {
                    DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(topic.name());
                    for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                        DeleteRecordsCommand.Result r = results.get(new TopicPartition(topic.name(), partition.partitionIndex()));
                        topicResult.partitions().add(new DeleteRecordsPartitionResult()
                            .setPartitionIndex(partition.partitionIndex())
                            .setLowWatermark(r == null ? -1L : r.lowWatermark())
                            .setErrorCode((r == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : r.error()).code()));
                    }
                    response.topics().add(topicResult);
                }
                return response;
            });
    }

}
