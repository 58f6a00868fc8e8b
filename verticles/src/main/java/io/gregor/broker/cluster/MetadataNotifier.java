package io.gregor.broker.cluster;

import java.util.Collection;

import io.vertx.core.Future;

/**
 * Tells brokers that topics changed in ZooKeeper, so they reload them and take up their new roles:
 * Gregor's LeaderAndIsr/UpdateMetadata. ZooKeeper stays the only copy of the state; the message
 * only names what to re-read, so a repeated or late notification does no harm.
 */
public interface MetadataNotifier {

    /** Every live broker (this one included) reloads {@code topics}; completes once all have answered or given up. */
    Future<Void> topicsChanged(Collection<String> topics);

    /** {@code brokerId} reloads every topic: sent to a broker that (re)joined, which may have missed changes. */
    Future<Void> resync(int brokerId);
}
