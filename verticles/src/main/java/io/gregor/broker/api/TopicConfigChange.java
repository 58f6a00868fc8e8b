package io.gregor.broker.api;

import java.util.Map;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

import io.vertx.core.Future;

/** The part AlterConfigs and IncrementalAlterConfigs share: apply new topic overrides, or refuse. */
final class TopicConfigChange {
    private TopicConfigChange() {
    }

    static Future<ApiError> apply(Apis apis, byte resourceType, String name, Map<String, String> overrides,
                                  boolean validateOnly) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        if (type == ConfigResource.Type.BROKER || type == ConfigResource.Type.BROKER_LOGGER)
            return Future.succeededFuture(new ApiError(Errors.INVALID_REQUEST,
                "Broker configs are read-only on this broker: change server.properties and restart"));
        if (type != ConfigResource.Type.TOPIC)
            return Future.succeededFuture(new ApiError(Errors.INVALID_REQUEST, "Unsupported resource type " + type));
        return apis.topics().alterTopicConfigs(name, overrides, validateOnly)
            .map(v -> ApiError.NONE)
            .recover(e -> Future.succeededFuture(e instanceof ApiException
                ? new ApiError(Errors.forException(e), e.getMessage())
                : new ApiError(Errors.UNKNOWN_SERVER_ERROR, null)));
    }
}
