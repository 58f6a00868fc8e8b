package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

import io.gregor.broker.api.Apis;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupError;
import io.gregor.coordination.group.Results.OffsetDeleteResult;
import io.gregor.coordination.group.TopicPartitionId;
import io.vertx.core.Future;

/**
 * OffsetDelete: committed offsets of an Empty group, or of topics an active consumer group is
 * not subscribed to (GROUP_SUBSCRIBED_TO_TOPIC otherwise). A group-level error empties the answer.
 */
final class OffsetDeleteHandler implements ApiHandler {
    private final Apis apis;
    private final GroupCoordinatorService service;

    OffsetDeleteHandler(Apis apis, GroupCoordinatorService service) {
        this.apis = apis;
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        OffsetDeleteRequestData data = ((OffsetDeleteRequest) request).data();
        MetadataImage image = apis.metadata().image();
        List<TopicPartitionId> known = new ArrayList<>();
        for (OffsetDeleteRequestTopic topic : data.topics()) {
            TopicImage t = image.topic(topic.name()).orElse(null);
            for (OffsetDeleteRequestPartition p : topic.partitions()) {
                if (t != null && p.partitionIndex() >= 0 && p.partitionIndex() < t.partitions().size())
                    known.add(new TopicPartitionId(topic.name(), p.partitionIndex()));
            }
        }
        String groupId = data.groupId();
        return service.<OffsetDeleteResult>call(c ->
            Future.succeededFuture(c.coordinatorFor(groupId).handleDeleteOffsets(groupId, known))
        ).map(result -> {
            OffsetDeleteResponseData response = new OffsetDeleteResponseData();
            if (result.error() != GroupError.NONE)
                return response.setErrorCode(GroupErrors.code(result.error()));
            Map<TopicPartitionId, GroupError> errors = result.partitions();
            for (OffsetDeleteRequestTopic topic : data.topics()) {
                OffsetDeleteResponseTopic answer = new OffsetDeleteResponseTopic().setName(topic.name());
                for (OffsetDeleteRequestPartition p : topic.partitions()) {
                    GroupError error = errors.get(new TopicPartitionId(topic.name(), p.partitionIndex()));
                    answer.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(error == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION.code() : GroupErrors.code(error)));
                }
                response.topics().add(answer);
            }
            return response;
        });
    }
}
