package io.gregor.broker.api;

import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.broker.producer.ProducerIdManager;
import io.vertx.core.Future;

/**
 * InitProducerId for idempotent producers: a fresh producer id at epoch 0, as Kafka gives a
 * producer without a transactional id. Transactions are not supported yet.
 */
public final class InitProducerIdHandler implements ApiHandler {
    private final ProducerIdManager producerIds;

    public InitProducerIdHandler(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        InitProducerIdRequestData data = ((InitProducerIdRequest) request).data();
        if (data.transactionalId() != null)
            return Future.succeededFuture(error(Errors.UNSUPPORTED_VERSION));
        return producerIds.generate().map(id -> (ApiMessage) new InitProducerIdResponseData()
            .setErrorCode(Errors.NONE.code()).setProducerId(id).setProducerEpoch((short) 0));
    }

    private static InitProducerIdResponseData error(Errors error) {
        return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(-1L).setProducerEpoch((short) -1);
    }
}
