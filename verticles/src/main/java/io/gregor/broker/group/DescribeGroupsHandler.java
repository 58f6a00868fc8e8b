package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.utils.Utils;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.Results.GroupSummary;
import io.gregor.coordination.group.Results.MemberSummary;
import io.vertx.core.Future;

/** DescribeGroups: state, protocol and members (with metadata and assignment once Stable). */
final class DescribeGroupsHandler implements ApiHandler {
    /** Without an authorizer every operation a group supports is allowed. */
    private static final int GROUP_OPERATIONS = Utils.to32BitField(Set.of(AclOperation.READ.code(),
        AclOperation.DESCRIBE.code(), AclOperation.DELETE.code()));

    private final GroupCoordinatorService service;

    DescribeGroupsHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DescribeGroupsRequestData data = ((DescribeGroupsRequest) request).data();
        short version = context.apiVersion();
        List<String> ids = new ArrayList<>(data.groups());
        return service.<List<GroupSummary>>call(c -> {
            List<GroupSummary> summaries = new ArrayList<>();
            for (String id : ids)
                summaries.add(c.coordinatorFor(id).handleDescribeGroup(id));
            return Future.succeededFuture(summaries);
        }).map(summaries -> {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            for (int i = 0; i < ids.size(); i++) {
                GroupSummary s = summaries.get(i);
                List<DescribedGroupMember> members = new ArrayList<>();
                for (MemberSummary m : s.members()) {
                    DescribedGroupMember member = new DescribedGroupMember().setMemberId(m.memberId())
                        .setClientId(m.clientId()).setClientHost(m.clientHost()).setMemberMetadata(m.metadata())
                        .setMemberAssignment(m.assignment());
                    if (version >= 4)
                        member.setGroupInstanceId(m.groupInstanceId());
                    members.add(member);
                }
                DescribedGroup group = new DescribedGroup().setErrorCode(GroupErrors.code(s.error()))
                    .setGroupId(ids.get(i)).setGroupState(s.state()).setProtocolType(s.protocolType())
                    .setProtocolData(s.protocol()).setMembers(members);
                if (version >= 3 && data.includeAuthorizedOperations())
                    group.setAuthorizedOperations(GROUP_OPERATIONS);
                response.groups().add(group);
            }
            return response;
        });
    }
}
