package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.Protocol;
import io.gregor.coordination.group.Results.JoinMember;
import io.gregor.coordination.group.Results.JoinResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * JoinGroup: parked on the coordinator until the rebalance's join phase completes. v4+ dynamic
 * members first get MEMBER_ID_REQUIRED (KIP-394); v9+ static leaders may skip the assignment.
 */
final class JoinGroupHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    JoinGroupHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        JoinGroupRequestData data = ((JoinGroupRequest) request).data();
        short version = context.apiVersion();
        String instanceId = data.groupInstanceId();
        boolean requireKnownMemberId = version >= 4 && instanceId == null;
        boolean supportSkippingAssignment = version >= 9;
        List<Protocol> protocols = new ArrayList<>();
        for (JoinGroupRequestProtocol p : data.protocols())
            protocols.add(new Protocol(p.name(), p.metadata()));
        String clientHost = "/" + context.clientHost();
        String clientId = context.clientId() == null ? "" : context.clientId();
        return service.<JoinResult>call(c -> {
            Promise<JoinResult> answer = Promise.promise();
            c.coordinatorFor(data.groupId()).handleJoinGroup(data.groupId(), data.memberId(), instanceId,
                requireKnownMemberId, supportSkippingAssignment, clientId, clientHost, data.rebalanceTimeoutMs(),
                data.sessionTimeoutMs(), data.protocolType(), protocols, answer::tryComplete, data.reason());
            return answer.future();
        }).map(r -> response(r, version));
    }

    private static ApiMessage response(JoinResult r, short version) {
        List<JoinGroupResponseMember> members = new ArrayList<>();
        for (JoinMember m : r.members())
            members.add(new JoinGroupResponseMember().setMemberId(m.memberId()).setGroupInstanceId(m.groupInstanceId())
                .setMetadata(m.metadata()));
        JoinGroupResponseData data = new JoinGroupResponseData().setErrorCode(GroupErrors.code(r.error()))
            .setGenerationId(r.generationId()).setProtocolName(r.protocolName()).setLeader(r.leaderId())
            .setMemberId(r.memberId()).setMembers(members);
        if (version >= 7)
            data.setProtocolType(r.protocolType());
        if (version >= 9)
            data.setSkipAssignment(r.skipAssignment());
        return new JoinGroupResponse(data, version).data();
    }
}
