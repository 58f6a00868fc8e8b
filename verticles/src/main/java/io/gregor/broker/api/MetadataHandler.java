package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.MetadataRequest;

import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/**
 * Metadata: brokers, controller and topics. A requested topic that does not exist is created
 * when both the broker ({@code auto.create.topics.enable}) and the client
 * ({@code allow_auto_topic_creation}) allow it, and returned once created.
 */
public final class MetadataHandler implements ApiHandler {
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

    private final Apis apis;

    public MetadataHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        MetadataRequest metadata = (MetadataRequest) request;
        MetadataRequestData data = metadata.data();
        MetadataImage image = apis.metadata().image();
        if (metadata.isAllTopics())
            return Future.succeededFuture(response(apis.metadata().image(), new ArrayList<>(image.topics().values()), List.of()));
        List<TopicImage> found = new ArrayList<>();
        List<MetadataResponseTopic> errors = new ArrayList<>();
        List<Future<TopicImage>> creating = new ArrayList<>();
        for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
            String name = requested.name();
            if (name == null && requested.topicId() != null && !Uuid.ZERO_UUID.equals(requested.topicId())) {
                image.topic(requested.topicId()).ifPresentOrElse(found::add,
                    () -> errors.add(error(null, requested.topicId(), Errors.UNKNOWN_TOPIC_ID)));
                continue;
            }
            TopicImage topic = image.topic(name).orElse(null);
            if (topic != null) {
                found.add(topic);
            } else if (!isValid(name)) {
                errors.add(error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION));
            } else if (data.allowAutoTopicCreation() && apis.settings().autoCreateTopicsEnable()
                    && !Topic.isInternal(name)) {
                creating.add(autoCreate(name));
            } else {
                errors.add(error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION));
            }
        }
        if (creating.isEmpty())
            return Future.succeededFuture(response(image, found, errors));
        return Future.join(creating).transform(done -> {
            for (Future<TopicImage> created : creating) {
                if (created.succeeded())
                    found.add(created.result());
            }
            return Future.succeededFuture(response(apis.metadata().image(), found, errors));
        });
    }

    private Future<TopicImage> autoCreate(String name) {
        BrokerSettings settings = apis.settings();
        return apis.topics().createTopic(name, settings.numPartitions(), settings.defaultReplicationFactor(),
                Map.of(), Map.of(), false)
            .recover(e -> e instanceof TopicExistsException
                ? Future.succeededFuture(apis.metadata().image().topic(name).orElse(null))
                : Future.failedFuture(e));
    }

    private static boolean isValid(String name) {
        try {
            Topic.validate(name);
            return true;
        } catch (InvalidTopicException e) {
            return false;
        }
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(id).setErrorCode(error.code())
            .setIsInternal(name != null && Topic.isInternal(name))
            .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }

    private static MetadataResponseData response(MetadataImage image, List<TopicImage> topics,
                                                 List<MetadataResponseTopic> errors) {
        MetadataResponseData response = new MetadataResponseData()
            .setClusterId(image.clusterId())
            .setControllerId(image.controllerId())
            .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        Set<Integer> live = new HashSet<>();
        for (BrokerEndpoint broker : image.brokers()) {
            live.add(broker.id());
            response.brokers().add(new MetadataResponseBroker().setNodeId(broker.id())
                .setHost(broker.host()).setPort(broker.port()).setRack(broker.rack()));
        }
        for (TopicImage topic : topics) {
            if (topic == null)
                continue;
            MetadataResponseTopic entry = new MetadataResponseTopic().setName(topic.name()).setTopicId(topic.id())
                .setErrorCode(Errors.NONE.code()).setIsInternal(Topic.isInternal(topic.name()))
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
            for (PartitionImage p : topic.partitions()) {
                // A leader whose broker is gone (the controller has not moved it yet) is no leader to clients.
                boolean led = live.contains(p.leader());
                entry.partitions().add(new MetadataResponsePartition().setPartitionIndex(p.partition())
                    .setErrorCode(led ? Errors.NONE.code() : Errors.LEADER_NOT_AVAILABLE.code())
                    .setLeaderId(led ? p.leader() : -1).setLeaderEpoch(p.leaderEpoch())
                    .setReplicaNodes(p.replicas()).setIsrNodes(p.isr()).setOfflineReplicas(Collections.emptyList()));
            }
            response.topics().add(entry);
        }
        errors.forEach(response.topics()::add);
        return response;
    }
}
