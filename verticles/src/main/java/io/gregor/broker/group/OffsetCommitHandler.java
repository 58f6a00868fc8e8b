package io.gregor.broker.group;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;

import io.gregor.broker.api.Apis;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupError;
import io.gregor.coordination.group.OffsetCommit;
import io.gregor.coordination.group.TopicPartitionId;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * OffsetCommit: partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, the rest is checked
 * against the member and generation and written to {@code __consumer_offsets} before the answer.
 */
final class OffsetCommitHandler implements ApiHandler {
    private final Apis apis;
    private final GroupCoordinatorService service;

    OffsetCommitHandler(Apis apis, GroupCoordinatorService service) {
        this.apis = apis;
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        OffsetCommitRequestData data = ((OffsetCommitRequest) request).data();
        short version = context.apiVersion();
        MetadataImage image = apis.metadata().image();
        long retentionMs = version >= 2 && version <= 4 ? data.retentionTimeMs() : -1L;
        Map<TopicPartitionId, OffsetCommit> commits = new LinkedHashMap<>();
        for (OffsetCommitRequestTopic topic : data.topics()) {
            if (image.topic(topic.name()).isEmpty())
                continue;
            for (OffsetCommitRequestPartition p : topic.partitions()) {
                long commitTimestamp = version == 1 ? p.commitTimestamp() : -1L;
                int leaderEpoch = version >= 6 ? p.committedLeaderEpoch() : -1;
                commits.put(new TopicPartitionId(topic.name(), p.partitionIndex()),
                    new OffsetCommit(p.committedOffset(), leaderEpoch, p.committedMetadata(), commitTimestamp, retentionMs));
            }
        }
        Future<Map<TopicPartitionId, GroupError>> results = commits.isEmpty() ? Future.succeededFuture(Map.of())
            : service.call(c -> {
                Promise<Map<TopicPartitionId, GroupError>> answer = Promise.promise();
                c.coordinatorFor(data.groupId()).handleCommitOffsets(data.groupId(), data.memberId(),
                    data.groupInstanceId(), data.generationIdOrMemberEpoch(), commits, answer::tryComplete);
                return answer.future();
            });
        return results.map(errors -> {
            OffsetCommitResponseData response = new OffsetCommitResponseData();
            for (OffsetCommitRequestTopic topic : data.topics()) {
                OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name());
                for (OffsetCommitRequestPartition p : topic.partitions()) {
                    GroupError error = errors.get(new TopicPartitionId(topic.name(), p.partitionIndex()));
                    short code = error == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION.code() : GroupErrors.code(error);
                    answer.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(code));
                }
                response.topics().add(answer);
            }
            return response;
        });
    }
}
