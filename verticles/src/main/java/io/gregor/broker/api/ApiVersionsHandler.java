package io.gregor.broker.api;

import java.util.function.Supplier;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** ApiVersions: exactly the APIs and versions this broker serves. */
public final class ApiVersionsHandler implements ApiHandler {
    private final Supplier<ApiVersionsResponseData> versions;

    public ApiVersionsHandler(Supplier<ApiVersionsResponseData> versions) {
        this.versions = versions;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        ApiVersionsRequest apiVersions = (ApiVersionsRequest) request;
        if (context.apiVersion() >= 3 && !apiVersions.isValid())
            return Future.succeededFuture(apiVersions.getErrorResponse(0, Errors.INVALID_REQUEST.exception()).data());
        return Future.succeededFuture(versions.get().setErrorCode(Errors.NONE.code()).setThrottleTimeMs(0));
    }
}
