package io.gregor.broker.log;

import org.apache.kafka.common.TopicPartition;

import io.gregor.coordination.zk.PartitionState;
import io.vertx.core.Future;

/** Where a leader records an ISR change (ZooKeeper): conditional on the state's zkVersion, completes with the new one. */
public interface IsrWriter {
    Future<Integer> write(TopicPartition tp, PartitionState state);
}
