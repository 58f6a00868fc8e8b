package io.gregor.broker.cluster;

import java.util.List;

import org.apache.kafka.common.TopicPartition;

import io.gregor.broker.log.IsrWriter;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A leader's ISR change, as Kafka's ZooKeeper-mode leaders made it: a conditional write of the
 * partition state (a controller that moved leadership meanwhile wins), then every broker
 * reloads the topic so Metadata and the under-replicated counts follow.
 */
public final class ZkIsrWriter implements IsrWriter {
    private final Vertx vertx;
    private final ZkMetadataStore store;
    private MetadataNotifier notifier;

    public ZkIsrWriter(Vertx vertx, ZkMetadataStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    /** Set once the replica manager exists (it is started after the log shards that use this writer). */
    public void notifier(MetadataNotifier notifier) {
        this.notifier = notifier;
    }

    @Override
    public Future<Integer> write(TopicPartition tp, PartitionState state) {
        return vertx.executeBlocking(() -> store.updatePartitionState(tp.topic(), tp.partition(), state), false)
            .onSuccess(version -> {
                if (notifier != null)
                    notifier.topicsChanged(List.of(tp.topic()));
            });
    }
}
