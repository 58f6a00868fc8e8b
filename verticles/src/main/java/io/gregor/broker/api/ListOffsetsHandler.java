package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import io.gregor.broker.log.ListOffsetsCommand;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.storage.log.TimestampOffset;
import io.vertx.core.Future;

/** ListOffsets: earliest (-2), latest (-1), max timestamp (-3) or the first offset at a timestamp. */
public final class ListOffsetsHandler implements ApiHandler {
    private final Apis apis;

    public ListOffsetsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        ListOffsetsRequestData data = ((ListOffsetsRequest) request).data();
        MetadataImage image = apis.metadata().image();
        Map<TopicPartition, Long> lookups = new HashMap<>();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            TopicImage known = image.topic(topic.name()).orElse(null);
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                if (known != null && partition.partitionIndex() >= 0 && partition.partitionIndex() < known.partitions().size())
                    lookups.put(new TopicPartition(topic.name(), partition.partitionIndex()), partition.timestamp());
            }
        }
        short version = context.apiVersion();
        return apis.shards().scatter(lookups, ListOffsetsCommand::new).map(results -> response(data, version, results));
    }


    private static ListOffsetsResponseData response(ListOffsetsRequestData data, short version,
                                                    Map<TopicPartition, ListOffsetsCommand.Result> results) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            List<ListOffsetsPartitionResponse> partitions = new ArrayList<>();
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                ListOffsetsCommand.Result result = results.get(new TopicPartition(topic.name(), partition.partitionIndex()));
                ListOffsetsPartitionResponse answer = new ListOffsetsPartitionResponse()
                    .setPartitionIndex(partition.partitionIndex()).setTimestamp(-1L).setOffset(-1L).setLeaderEpoch(-1);
                if (result == null) {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    answer.setErrorCode(result.error().code());
                    TimestampOffset found = result.found();
                    if (found != null) {
                        answer.setTimestamp(found.timestamp()).setOffset(found.offset());
                        // The epoch joined the response in v4; older versions must leave the field at its default.
                        if (version >= 4)
                            answer.setLeaderEpoch(found.leaderEpoch());
                    }
                }
                partitions.add(answer);
            }
            response.topics().add(new ListOffsetsTopicResponse().setName(topic.name()).setPartitions(partitions));
        }
        return response;
    }
}
