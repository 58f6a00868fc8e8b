package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/**
 * IncrementalAlterConfigs (what {@code kafka-configs --alter} sends): SET, DELETE, APPEND and
 * SUBTRACT applied to a topic's current overrides.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler {
    private final Apis apis;

    public IncrementalAlterConfigsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        IncrementalAlterConfigsRequestData data = ((IncrementalAlterConfigsRequest) request).data();
        List<Future<ApiError>> results = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources())
            results.add(alter(resource, data.validateOnly()));
        return Future.join(results).map(done -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
            int i = 0;
            for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
                ApiError error = results.get(i++).result();
                response.responses().add(new AlterConfigsResourceResponse().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName()).setErrorCode(error.error().code())
                    .setErrorMessage(error.message()));
            }
            return response;
        });
    }

    private Future<ApiError> alter(IncrementalAlterConfigsRequestData.AlterConfigsResource resource, boolean validateOnly) {
        Map<String, String> overrides = new HashMap<>();
        if (resource.resourceType() == ConfigResource.Type.TOPIC.id()) {
            TopicImage topic = apis.metadata().image().topic(resource.resourceName()).orElse(null);
            if (topic == null)
                return Future.succeededFuture(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "Topic " + resource.resourceName() + " does not exist"));
            overrides.putAll(topic.configs());
        }
        for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == null)
                return Future.succeededFuture(new ApiError(Errors.INVALID_REQUEST,
                    "Unknown config operation " + config.configOperation()));
            switch (op) {
                case SET -> overrides.put(config.name(), config.value());
                case DELETE -> overrides.remove(config.name());
                case APPEND, SUBTRACT -> {
                    Set<String> items = new LinkedHashSet<>();
                    String current = overrides.get(config.name());
                    if (current != null && !current.isEmpty())
                        items.addAll(Arrays.asList(current.split(",")));
                    List<String> changed = config.value() == null ? List.of() : Arrays.asList(config.value().split(","));
                    if (op == AlterConfigOp.OpType.APPEND)
                        items.addAll(changed);
                    else
                        changed.forEach(items::remove);
                    overrides.put(config.name(), String.join(",", items));
                }
            }
        }
        return TopicConfigChange.apply(apis, resource.resourceType(), resource.resourceName(), overrides, validateOnly);
    }
}
