package io.gregor.broker.api;

import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;

import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** DescribeCluster: the cluster id, the controller and the live brokers. */
public final class DescribeClusterHandler implements ApiHandler {
    private final Apis apis;

    public DescribeClusterHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        MetadataImage image = apis.metadata().image();
        DescribeClusterResponseData response = new DescribeClusterResponseData().setErrorCode(Errors.NONE.code())
            .setClusterId(image.clusterId()).setControllerId(image.controllerId())
            .setClusterAuthorizedOperations(Integer.MIN_VALUE);
        for (BrokerEndpoint broker : image.brokers()) {
            response.brokers().add(new DescribeClusterBroker().setBrokerId(broker.id()).setHost(broker.host())
                .setPort(broker.port()).setRack(broker.rack()));
        }
        return Future.succeededFuture(response);
    }
}
