package io.gregor.broker.group;

import io.vertx.core.Future;

/**
 * Work for the group coordinator. Passed by reference over the local event bus and executed on
 * the coordinator's event loop, so the group state needs no locks. A JoinGroup or SyncGroup
 * command completes only when the rebalance does.
 */
@FunctionalInterface
public interface GroupCommand<R> {
    Future<R> execute(GroupCoordinatorVerticle coordinator);
}
