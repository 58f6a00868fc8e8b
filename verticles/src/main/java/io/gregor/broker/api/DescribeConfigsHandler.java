package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

import io.gregor.broker.metadata.TopicConfigs;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/**
 * DescribeConfigs for topics (overrides as DYNAMIC_TOPIC_CONFIG, the rest as broker defaults) and
 * for this broker (every key, read-only), so {@code kafka-configs --describe} shows what Kafka shows.
 */
public final class DescribeConfigsHandler implements ApiHandler {
    private final Apis apis;
    private final TopicConfigs topicConfigs;

    public DescribeConfigsHandler(Apis apis) {
        this.apis = apis;
        this.topicConfigs = new TopicConfigs(apis.settings().topicConfigDefaults());
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DescribeConfigsRequestData data = ((DescribeConfigsRequest) request).data();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : data.resources())
            response.results().add(describe(resource, data.includeSynonyms()));
        return Future.succeededFuture(response);
    }

    private DescribeConfigsResult describe(DescribeConfigsResource resource, boolean synonyms) {
        DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
            .setResourceName(resource.resourceName()).setErrorCode(Errors.NONE.code());
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        List<DescribeConfigsResourceResult> configs = new ArrayList<>();
        if (type == ConfigResource.Type.TOPIC) {
            TopicImage topic = apis.metadata().image().topic(resource.resourceName()).orElse(null);
            if (topic == null)
                return error(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + resource.resourceName() + " does not exist");
            topicConfigs.defaults().forEach((name, defaultValue) -> {
                if (!wanted(resource, name))
                    return;
                String override = topic.configs().get(name);
                DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult().setName(name)
                    .setValue(override != null ? override : defaultValue).setReadOnly(false).setIsSensitive(false)
                    .setConfigSource((override != null ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG).id());
                if (synonyms) {
                    if (override != null)
                        entry.synonyms().add(synonym(name, override, ConfigSource.TOPIC_CONFIG));
                    entry.synonyms().add(synonym(TopicConfigs.brokerKey(name), defaultValue, ConfigSource.DEFAULT_CONFIG));
                }
                configs.add(entry);
            });
        } else if (type == ConfigResource.Type.BROKER) {
            String self = String.valueOf(apis.settings().brokerId());
            if (!resource.resourceName().isEmpty() && !resource.resourceName().equals(self))
                return error(result, Errors.INVALID_REQUEST, "Unexpected broker id, expected " + self
                    + " or empty string, but received " + resource.resourceName());
            boolean clusterDefault = resource.resourceName().isEmpty();
            for (Map.Entry<String, String> e : apis.settings().brokerConfigs().entrySet()) {
                if (!wanted(resource, e.getKey()) || clusterDefault)
                    continue;
                ConfigSource source = apis.settings().explicitBrokerConfigs().contains(e.getKey())
                    ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
                DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult().setName(e.getKey())
                    .setValue(e.getValue()).setReadOnly(true).setIsSensitive(false).setConfigSource(source.id());
                if (synonyms)
                    entry.synonyms().add(synonym(e.getKey(), e.getValue(), source));
                configs.add(entry);
            }
        } else {
            return error(result, Errors.INVALID_REQUEST, "Unsupported resource type " + type);
        }
        return result.setConfigs(configs);
    }

    private static boolean wanted(DescribeConfigsResource resource, String name) {
        return resource.configurationKeys() == null || resource.configurationKeys().contains(name);
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    private static DescribeConfigsResult error(DescribeConfigsResult result, Errors error, String message) {
        return result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
