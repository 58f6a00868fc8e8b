package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** DeleteTopics by name or (v6+) by id; refused everywhere when {@code delete.topic.enable=false}. */
public final class DeleteTopicsHandler implements ApiHandler {
    private final Apis apis;

    public DeleteTopicsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DeleteTopicsRequest delete = (DeleteTopicsRequest) request;
        DeleteTopicsRequestData data = delete.data();
        List<Future<DeletableTopicResult>> results = new ArrayList<>();
        if (context.apiVersion() >= 6) {
            for (DeleteTopicsRequestData.DeleteTopicState state : data.topics()) {
                String name = state.name();
                Uuid id = state.topicId();
                if (name == null && id != null && !Uuid.ZERO_UUID.equals(id))
                    name = apis.metadata().image().topic(id).map(TopicImage::name).orElse(null);
                if (name == null) {
                    results.add(Future.succeededFuture(new DeletableTopicResult().setTopicId(id)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_ID.message())));
                } else {
                    results.add(delete(name));
                }
            }
        } else {
            data.topicNames().forEach(name -> results.add(delete(name)));
        }
        return Future.join(results).map(done -> {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            results.forEach(r -> response.responses().add(r.result()));
            return response;
        });
    }

    private Future<DeletableTopicResult> delete(String name) {
        Uuid id = apis.metadata().image().topic(name).map(TopicImage::id).orElse(Uuid.ZERO_UUID);
        return apis.topics().deleteTopic(name)
            .onSuccess(v -> apis.metrics().removeTopic(name))
            .map(v -> new DeletableTopicResult().setName(name).setTopicId(id).setErrorCode(Errors.NONE.code()))
            .recover(e -> {
                Errors error = e instanceof ApiException ? Errors.forException(e) : Errors.UNKNOWN_SERVER_ERROR;
                return Future.succeededFuture(new DeletableTopicResult().setName(name).setTopicId(id)
                    .setErrorCode(error.code()).setErrorMessage(e.getMessage()));
            });
    }
}
