package io.gregor.broker.api;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** CreatePartitions: topics only grow. */
public final class CreatePartitionsHandler implements ApiHandler {
    private final Apis apis;

    public CreatePartitionsHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        CreatePartitionsRequestData data = ((CreatePartitionsRequest) request).data();
        List<Future<CreatePartitionsTopicResult>> results = new ArrayList<>();
        for (CreatePartitionsRequestData.CreatePartitionsTopic topic : data.topics()) {
            List<List<Integer>> assignment = new ArrayList<>();
            if (topic.assignments() != null)
                topic.assignments().forEach(a -> assignment.add(a.brokerIds()));
            results.add(apis.topics().createPartitions(topic.name(), topic.count(), assignment, data.validateOnly())
                .map(v -> new CreatePartitionsTopicResult().setName(topic.name()).setErrorCode(Errors.NONE.code()))
                .recover(e -> {
                    Errors error = e instanceof ApiException ? Errors.forException(e) : Errors.UNKNOWN_SERVER_ERROR;
                    return Future.succeededFuture(new CreatePartitionsTopicResult().setName(topic.name())
                        .setErrorCode(error.code()).setErrorMessage(e.getMessage()));
                }));
        }
        return Future.join(results).map(done -> {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            results.forEach(r -> response.results().add(r.result()));
            return response;
        });
    }
}
