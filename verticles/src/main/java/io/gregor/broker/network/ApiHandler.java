package io.gregor.broker.network;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

import io.vertx.core.Future;

/**
 * Serves one Kafka API. Runs on the network verticle's event loop: anything slow (log I/O,
 * ZooKeeper) goes to another verticle or a worker and comes back as the future. A null result
 * means no response (acks=0 produce).
 */
@FunctionalInterface
public interface ApiHandler {
    Future<ApiMessage> handle(RequestContext context, AbstractRequest request);
}
