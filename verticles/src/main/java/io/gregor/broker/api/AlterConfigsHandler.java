package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiError;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** AlterConfigs (the legacy, replace-everything form) for topics. */
public final class AlterConfigsHandler implements ApiHandler {
    private final Apis apis;

    public AlterConfigsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        AlterConfigsRequestData data = ((AlterConfigsRequest) request).data();
        List<Future<ApiError>> results = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            Map<String, String> overrides = new HashMap<>();
            resource.configs().forEach(c -> overrides.put(c.name(), c.value()));
            results.add(TopicConfigChange.apply(apis, resource.resourceType(), resource.resourceName(), overrides,
                data.validateOnly()));
        }
        return Future.join(results).map(done -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            int i = 0;
            for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
                ApiError error = results.get(i++).result();
                response.responses().add(new AlterConfigsResourceResponse().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName()).setErrorCode(error.error().code())
                    .setErrorMessage(error.message()));
            }
            return response;
        });
    }
}
