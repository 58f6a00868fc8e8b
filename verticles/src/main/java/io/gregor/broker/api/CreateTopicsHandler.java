package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

import io.gregor.broker.metadata.TopicConfigs;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** CreateTopics, with {@code validate_only}; each topic succeeds or fails on its own, with Kafka's codes. */
public final class CreateTopicsHandler implements ApiHandler {
    private final Apis apis;
    private final TopicConfigs topicConfigs;

    public CreateTopicsHandler(Apis apis) {
        this.apis = apis;
        this.topicConfigs = new TopicConfigs(apis.settings().topicConfigDefaults());
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        CreateTopicsRequestData data = ((CreateTopicsRequest) request).data();
        short version = context.apiVersion();
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        data.topics().forEach(t -> {
            if (!seen.add(t.name()))
                duplicated.add(t.name());
        });
        List<Future<CreatableTopicResult>> results = new ArrayList<>();
        for (CreatableTopic topic : data.topics()) {
            if (duplicated.contains(topic.name())) {
                results.add(Future.succeededFuture(failed(topic.name(), Errors.INVALID_REQUEST,
                    "Create topics request from client `" + context.clientId() + "` contains multiple entries for the "
                        + "following topics: " + topic.name())));
                continue;
            }
            results.add(create(topic, data.validateOnly(), version));
        }
        return Future.join(results).map(done -> {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            results.forEach(r -> response.topics().add(r.result()));
            return response;
        });
    }

    private Future<CreatableTopicResult> create(CreatableTopic topic, boolean validateOnly, short version) {
        if (!topic.assignments().isEmpty() && (topic.numPartitions() != -1 || topic.replicationFactor() != -1))
            return Future.succeededFuture(failed(topic.name(), Errors.INVALID_REQUEST,
                "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."));
        Map<String, String> configs = new HashMap<>();
        topic.configs().forEach(c -> configs.put(c.name(), c.value()));
        Map<Integer, List<Integer>> assignment = new HashMap<>();
        topic.assignments().forEach(a -> assignment.put(a.partitionIndex(), a.brokerIds()));
        int partitions = topic.numPartitions() == -1 ? apis.settings().numPartitions() : topic.numPartitions();
        short replicationFactor = topic.replicationFactor() == -1
            ? apis.settings().defaultReplicationFactor() : topic.replicationFactor();
        return apis.topics().createTopic(topic.name(), partitions, replicationFactor, assignment, configs, validateOnly)
            .map(created -> succeeded(created, version))
            .recover(e -> Future.succeededFuture(e instanceof ApiException
                ? failed(topic.name(), Errors.forException(e), e.getMessage())
                : failed(topic.name(), Errors.UNKNOWN_SERVER_ERROR, null)));
    }

    private CreatableTopicResult succeeded(TopicImage topic, short version) {
        CreatableTopicResult result = new CreatableTopicResult().setName(topic.name()).setErrorCode(Errors.NONE.code())
            .setTopicId(topic.id()).setNumPartitions(topic.partitions().size())
            .setReplicationFactor((short) topic.partitions().get(0).replicas().size());
        if (version >= 5) {
            List<CreatableTopicConfigs> configs = new ArrayList<>();
            topicConfigs.defaults().forEach((name, value) -> {
                boolean overridden = topic.configs().containsKey(name);
                configs.add(new CreatableTopicConfigs().setName(name)
                    .setValue(overridden ? topic.configs().get(name) : value)
                    .setReadOnly(false).setIsSensitive(false)
                    .setConfigSource((overridden ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG).id()));
            });
            result.setConfigs(configs);
        }
        return result;
    }

    private static CreatableTopicResult failed(String name, Errors error, String message) {
        return new CreatableTopicResult().setName(name).setErrorCode(error.code()).setErrorMessage(message)
            .setNumPartitions(-1).setReplicationFactor((short) -1).setTopicConfigErrorCode(Errors.NONE.code());
    }
}
