package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.coordination.group.GroupError;
import io.vertx.core.Future;

/** DeleteGroups: Empty groups are removed with their offsets; others answer NON_EMPTY_GROUP. */
final class DeleteGroupsHandler implements ApiHandler {
    private final GroupCoordinatorService service;

    DeleteGroupsHandler(GroupCoordinatorService service) {
        this.service = service;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DeleteGroupsRequestData data = ((DeleteGroupsRequest) request).data();
        List<String> ids = new ArrayList<>(data.groupsNames());
        return service.<Map<String, GroupError>>call(c -> {
            ids.forEach(c::coordinatorFor);
            return Future.succeededFuture(new LinkedHashMap<>(c.coordinator().handleDeleteGroups(ids)));
        }).map(errors -> {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData();
            errors.forEach((id, error) -> response.results().add(new DeletableGroupResult().setGroupId(id)
                .setErrorCode(GroupErrors.code(error))));
            return response;
        });
    }
}
