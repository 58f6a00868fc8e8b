package io.gregor.broker.cluster;

import java.nio.ByteBuffer;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Brokers talk over the clustered event bus, one address per broker and service. Replication
 * messages are Kafka's own Fetch and OffsetForLeaderEpoch bodies, encoded by kafka-clients'
 * generated classes at a fixed version: no hand-written structs, and the records stay Kafka's
 * batch bytes.
 */
public final class InterBroker {
    /** Fetch v12: topic names, current leader epochs, log start offsets. */
    public static final short FETCH_VERSION = 12;
    /** OffsetForLeaderEpoch v4: replica id and current leader epochs. */
    public static final short OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
    static final String API_HEADER = "api";

    private InterBroker() {
    }

    /** Where a broker serves its followers' Fetch and OffsetForLeaderEpoch. */
    public static String replicaAddress(int brokerId) {
        return "gregor.broker." + brokerId + ".replica";
    }

    /** Where a broker takes metadata notifications. */
    public static String metadataAddress(int brokerId) {
        return "gregor.broker." + brokerId + ".metadata";
    }

    static Buffer encode(Message message, short version) {
        ByteBuffer bytes = MessageUtil.toByteBuffer(message, version);
        return Buffer.buffer(MessageUtil.byteBufferToArray(bytes));
    }

    static ByteBufferAccessor reader(Buffer body) {
        return new ByteBufferAccessor(ByteBuffer.wrap(body.getBytes()));
    }

    static DeliveryOptions request(ApiKeys api, long timeoutMs) {
        return new DeliveryOptions().addHeader(API_HEADER, api.name).setSendTimeout(timeoutMs);
    }
}
