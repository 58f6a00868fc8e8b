package io.gregor.broker.api;

import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** ElectLeaders (kafka-leader-election): preferred or unclean leader election for some or all partitions. */
public final class ElectLeadersHandler implements ApiHandler {
    private static final Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Apis apis;

    public ElectLeadersHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        ElectLeadersRequestData data = ((ElectLeadersRequest) request).data();
        ElectionType type;
        try {
            // v0 has no election type and reads as the default, 0: preferred, the only kind v0 knew.
            type = ElectionType.valueOf(data.electionType());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new InvalidRequestException(e.getMessage()));
        }
        return apis.topics().electLeaders(type, partitions(data)).map(ElectLeadersHandler::response);
    }

    /** Null asks for every partition. */
    private static Set<TopicPartition> partitions(ElectLeadersRequestData data) {
        if (data.topicPartitions() == null)
            return null;
        Set<TopicPartition> partitions = new HashSet<>();
        for (ElectLeadersRequestData.TopicPartitions topic : data.topicPartitions())
            topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.topic(), p)));
        return partitions;
    }

    private static ApiMessage response(Map<TopicPartition, ApiError> results) {
        Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
        results.entrySet().stream().sorted(Map.Entry.comparingByKey(BY_TOPIC_AND_PARTITION)).forEach(e -> {
            ApiError result = e.getValue();
            byTopic.computeIfAbsent(e.getKey().topic(), t -> new ReplicaElectionResult().setTopic(t))
                .partitionResult().add(new PartitionResult().setPartitionId(e.getKey().partition())
                    .setErrorCode(result.error().code()).setErrorMessage(result.message()));
        });
        ElectLeadersResponseData response = new ElectLeadersResponseData();
        response.replicaElectionResults().addAll(byTopic.values());
        return response;
    }
}
