package io.gregor.broker.group;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.Results.SyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** SyncGroup: followers are parked until the leader's assignment is persisted. */
final class SyncGroupHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    SyncGroupHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        SyncGroupRequest sync = (SyncGroupRequest) request;
        SyncGroupRequestData data = sync.data();
        short version = context.apiVersion();
        if (!sync.areMandatoryProtocolTypeAndNamePresent())
            return Future.succeededFuture(new SyncGroupResponseData()
                .setErrorCode(Errors.INCONSISTENT_GROUP_PROTOCOL.code()).setAssignment(new byte[0]));
        Map<String, byte[]> assignment = new HashMap<>();
        data.assignments().forEach(a -> assignment.put(a.memberId(), a.assignment()));
        return service.<SyncResult>call(c -> {
            Promise<SyncResult> answer = Promise.promise();
            c.coordinatorFor(data.groupId()).handleSyncGroup(data.groupId(), data.generationId(), data.memberId(),
                data.protocolType(), data.protocolName(), data.groupInstanceId(), assignment, answer::tryComplete);
            return answer.future();
        }).map(r -> {
            SyncGroupResponseData response = new SyncGroupResponseData().setErrorCode(GroupErrors.code(r.error()))
                .setAssignment(r.assignment());
            if (version >= 5)
                response.setProtocolType(r.protocolType()).setProtocolName(r.protocolName());
            return response;
        });
    }
}
