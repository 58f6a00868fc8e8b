package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.Results.GroupOverview;
import io.gregor.coordination.group.Results.ListResult;
import io.vertx.core.Future;

/** ListGroups: the groups this broker coordinates, filtered by state (v4+) and type (v5+; all are classic). */
final class ListGroupsHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    ListGroupsHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        ListGroupsRequestData data = ((ListGroupsRequest) request).data();
        short version = context.apiVersion();
        List<String> states = data.statesFilter() == null ? List.of() : new ArrayList<>(data.statesFilter());
        List<String> types = data.typesFilter() == null ? List.of() : new ArrayList<>(data.typesFilter());
        return service.<ListResult>call(c -> {
            c.loadLocalPartitions();
            return Future.succeededFuture(c.coordinator().handleListGroups(states, types));
        }).map(r -> {
            ListGroupsResponseData response = new ListGroupsResponseData().setErrorCode(GroupErrors.code(r.error()));
            for (GroupOverview g : r.groups()) {
                ListGroupsResponseData.ListedGroup listed = new ListGroupsResponseData.ListedGroup()
                    .setGroupId(g.groupId()).setProtocolType(g.protocolType());
                if (version >= 4)
                    listed.setGroupState(g.state());
                if (version >= 5)
                    listed.setGroupType("classic");
                response.groups().add(listed);
            }
            return response;
        });
    }
}
