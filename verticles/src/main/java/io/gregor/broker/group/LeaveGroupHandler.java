package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.Results.LeaveResult;
import io.gregor.coordination.group.Results.LeavingMember;
import io.gregor.coordination.group.Results.MemberLeaveResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** LeaveGroup: one member (v0-2) or a batch, by member id or by group instance id (v3+). */
final class LeaveGroupHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    LeaveGroupHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        LeaveGroupRequest leave = (LeaveGroupRequest) request;
        String groupId = leave.data().groupId();
        short version = context.apiVersion();
        List<LeavingMember> members = new ArrayList<>();
        for (MemberIdentity m : leave.members())
            members.add(new LeavingMember(m.memberId(), m.groupInstanceId(), m.reason()));
        return service.<LeaveResult>call(c -> {
            Promise<LeaveResult> answer = Promise.promise();
            c.coordinatorFor(groupId).handleLeaveGroup(groupId, members, answer::tryComplete);
            return answer.future();
        }).map(r -> {
            List<LeaveGroupResponseData.MemberResponse> responses = new ArrayList<>();
            for (MemberLeaveResult m : r.members())
                responses.add(new LeaveGroupResponseData.MemberResponse().setMemberId(m.memberId())
                    .setGroupInstanceId(m.groupInstanceId()).setErrorCode(GroupErrors.code(m.error())));
            LeaveGroupResponseData data = new LeaveGroupResponseData().setErrorCode(GroupErrors.code(r.error()))
                .setMembers(responses);
            return new LeaveGroupResponse(data, version).data();
        });
    }
}
