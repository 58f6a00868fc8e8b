package io.gregor.broker.group;

import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupError;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** Heartbeat: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin. */
final class HeartbeatHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    HeartbeatHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        HeartbeatRequestData data = ((HeartbeatRequest) request).data();
        return service.<GroupError>call(c -> {
            Promise<GroupError> answer = Promise.promise();
            c.coordinatorFor(data.groupId()).handleHeartbeat(data.groupId(), data.memberId(), data.groupInstanceId(),
                data.generationId(), answer::tryComplete);
            return answer.future();
        }).map(error -> new HeartbeatResponseData().setErrorCode(GroupErrors.code(error)));
    }
}
