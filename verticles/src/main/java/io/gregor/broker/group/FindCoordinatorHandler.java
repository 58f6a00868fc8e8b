package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

import io.gregor.broker.api.Apis;
import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupCoordinator;
import io.vertx.core.Future;

/**
 * FindCoordinator, single key (v0-3) or batched (v4+): the leader of the group's
 * {@code __consumer_offsets} partition. While the topic does not exist it is created and the
 * answer is COORDINATOR_NOT_AVAILABLE (clients retry), as in Kafka. Transactions have no
 * coordinator here yet: COORDINATOR_NOT_AVAILABLE.
 */
final class FindCoordinatorHandler implements ApiHandler {
    private final Apis apis;
    private final GroupCoordinatorService service;

    FindCoordinatorHandler(Apis apis, GroupCoordinatorService service) {
        this.apis = apis;
        this.service = service;
    }

    private record Answer(Errors error, Node node) {
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        FindCoordinatorRequestData data = ((FindCoordinatorRequest) request).data();
        short version = context.apiVersion();
        if (version < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            Answer answer = coordinator(data.keyType(), data.key());
            return Future.succeededFuture(new FindCoordinatorResponseData().setErrorCode(answer.error().code())
                .setErrorMessage(answer.error().message()).setNodeId(answer.node().id()).setHost(answer.node().host())
                .setPort(answer.node().port()));
        }
        List<FindCoordinatorResponseData.Coordinator> coordinators = new ArrayList<>();
        for (String key : data.coordinatorKeys()) {
            Answer answer = coordinator(data.keyType(), key);
            coordinators.add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                .setErrorCode(answer.error().code()).setNodeId(answer.node().id()).setHost(answer.node().host())
                .setPort(answer.node().port()));
        }
        return Future.succeededFuture(new FindCoordinatorResponseData().setCoordinators(coordinators));
    }

    private Answer coordinator(byte keyType, String key) {
        CoordinatorType type;
        try {
            type = CoordinatorType.forId(keyType);
        } catch (RuntimeException e) {
            return new Answer(Errors.INVALID_REQUEST, Node.noNode());
        }
        if (type != CoordinatorType.GROUP || key == null)
            return new Answer(Errors.COORDINATOR_NOT_AVAILABLE, Node.noNode());
        MetadataImage image = apis.metadata().image();
        TopicImage topic = image.topic(OffsetsTopic.NAME).orElse(null);
        if (topic == null) {
            service.ensureOffsetsTopic();
            return new Answer(Errors.COORDINATOR_NOT_AVAILABLE, Node.noNode());
        }
        int partition = GroupCoordinator.partitionFor(key, topic.partitions().size());
        PartitionImage leader = topic.partitions().get(partition);
        if (leader.leader() < 0)
            return new Answer(Errors.COORDINATOR_NOT_AVAILABLE, Node.noNode());
        for (BrokerEndpoint broker : image.brokers()) {
            if (broker.id() == leader.leader()) {
                if (broker.id() == apis.settings().brokerId())
                    service.call(c -> {
                        c.coordinatorFor(key);
                        return Future.succeededFuture();
                    });
                return new Answer(Errors.NONE, new Node(broker.id(), broker.host(), broker.port(), broker.rack()));
            }
        }
        return new Answer(Errors.COORDINATOR_NOT_AVAILABLE, Node.noNode());
    }
}
