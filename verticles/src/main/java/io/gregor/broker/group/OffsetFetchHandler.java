package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupError;
import io.gregor.coordination.group.Results.FetchResult;
import io.gregor.coordination.group.Results.PartitionOffset;
import io.gregor.coordination.group.TopicPartitionId;
import io.vertx.core.Future;

/** OffsetFetch for one group (v1-7) or several (v8+); null topics mean every committed partition. */
final class OffsetFetchHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    OffsetFetchHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        OffsetFetchRequest fetch = (OffsetFetchRequest) request;
        short version = context.apiVersion();
        List<OffsetFetchRequestGroup> groups = fetch.groups();
        boolean requireStable = fetch.requireStable();
        Map<OffsetFetchRequestGroup, List<TopicPartitionId>> wanted = new LinkedHashMap<>();
        for (OffsetFetchRequestGroup group : groups) {
            List<TopicPartitionId> partitions = null;
            if (group.topics() != null) {
                partitions = new ArrayList<>();
                for (OffsetFetchRequestTopics topic : group.topics()) {
                    for (int p : topic.partitionIndexes())
                        partitions.add(new TopicPartitionId(topic.name(), p));
                }
            }
            wanted.put(group, partitions);
        }
        return service.<List<FetchResult>>call(c -> {
            List<FetchResult> results = new ArrayList<>();
            wanted.forEach((group, partitions) ->
                results.add(c.coordinatorFor(group.groupId()).handleFetchOffsets(group.groupId(), requireStable, partitions)));
            return Future.succeededFuture(results);
        }).map(results -> {
            List<OffsetFetchResponseGroup> responses = new ArrayList<>();
            int i = 0;
            for (OffsetFetchRequestGroup group : groups)
                responses.add(response(group, results.get(i++), version));
            return new OffsetFetchResponse(responses, version).data();
        });
    }

    private static OffsetFetchResponseGroup response(OffsetFetchRequestGroup group, FetchResult result, short version) {
        if (result.error() != GroupError.NONE)
            return OffsetFetchResponse.groupError(group, GroupErrors.toKafka(result.error()), version);
        Map<String, OffsetFetchResponseTopics> topics = new LinkedHashMap<>();
        result.offsets().forEach((tp, offset) -> {
            OffsetFetchResponseTopics topic = topics.computeIfAbsent(tp.topic(),
                name -> new OffsetFetchResponseTopics().setName(name));
            topic.partitions().add(partition(tp, offset));
        });
        return new OffsetFetchResponseGroup().setGroupId(group.groupId()).setTopics(new ArrayList<>(topics.values()));
    }

    private static OffsetFetchResponsePartitions partition(TopicPartitionId tp, PartitionOffset offset) {
        return new OffsetFetchResponsePartitions().setPartitionIndex(tp.partition()).setCommittedOffset(offset.offset())
            .setCommittedLeaderEpoch(offset.leaderEpoch()).setMetadata(offset.metadata())
            .setErrorCode(GroupErrors.code(offset.error()));
    }
}
