package io.gregor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters of one topic, as the common JMX
 * exporter setups name them ({@code kafka_server_brokertopicmetrics_messagesin_total{topic="t"}}).
 * Every update also goes to the all-topics aggregate, which Kafka exposes without a topic and
 * which is exported here with {@code topic=""}: Prometheus treats an empty label as an absent one,
 * so {@code {topic=""}} selects the aggregate and {@code {topic!=""}} the topics, as with Kafka.
 *
 * <p>A handle is cheap to keep (cache it on the partition) and each update is a lock-free add to
 * a {@link java.util.concurrent.atomic.DoubleAdder}: no lock, no allocation. Call these per batch
 * or per partition with counts, never per record.
 */
public final class TopicMetrics {
    static final String PREFIX = "kafka.server.brokertopicmetrics.";
    public static final String MESSAGES_IN = PREFIX + "messagesin";
    public static final String BYTES_IN = PREFIX + "bytesin";
    public static final String BYTES_OUT = PREFIX + "bytesout";
    public static final String BYTES_REJECTED = PREFIX + "bytesrejected";
    public static final String TOTAL_PRODUCE_REQUESTS = PREFIX + "totalproducerequests";
    public static final String TOTAL_FETCH_REQUESTS = PREFIX + "totalfetchrequests";
    public static final String FAILED_PRODUCE_REQUESTS = PREFIX + "failedproducerequests";
    public static final String FAILED_FETCH_REQUESTS = PREFIX + "failedfetchrequests";
    public static final String REPLICATION_BYTES_IN = PREFIX + "replicationbytesin";
    public static final String REPLICATION_BYTES_OUT = PREFIX + "replicationbytesout";
    /** The tag, and its value on the all-topics aggregate. */
    public static final String TOPIC_TAG = "topic";
    public static final String ALL_TOPICS = "";

    private final String topic;
    /** The aggregate, or null if this is it. */
    private final TopicMetrics all;
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter bytesRejected;
    private final Counter totalProduceRequests;
    private final Counter totalFetchRequests;
    private final Counter failedProduceRequests;
    private final Counter failedFetchRequests;
    /** Only on the aggregate: Kafka keeps replication traffic per broker, not per topic. */
    private final Counter replicationBytesIn;
    private final Counter replicationBytesOut;

    TopicMetrics(MeterRegistry registry, String topic, TopicMetrics all) {
        this.topic = topic;
        this.all = all;
        messagesIn = counter(registry, MESSAGES_IN, "Messages appended to the log", null);
        bytesIn = counter(registry, BYTES_IN, "Bytes produced by clients and appended", "bytes");
        bytesOut = counter(registry, BYTES_OUT, "Bytes sent to consumers in fetch responses", "bytes");
        bytesRejected = counter(registry, BYTES_REJECTED, "Bytes of batches rejected as too large", "bytes");
        totalProduceRequests = counter(registry, TOTAL_PRODUCE_REQUESTS, "Produce requests per partition", null);
        totalFetchRequests = counter(registry, TOTAL_FETCH_REQUESTS, "Fetch requests per partition", null);
        failedProduceRequests = counter(registry, FAILED_PRODUCE_REQUESTS,
            "Produce requests per partition that failed for an unexpected reason", null);
        failedFetchRequests = counter(registry, FAILED_FETCH_REQUESTS,
            "Fetch requests per partition that failed for an unexpected reason", null);
        replicationBytesIn = all != null ? null
            : counter(registry, REPLICATION_BYTES_IN, "Bytes appended from leaders by this broker's followers", "bytes");
        replicationBytesOut = all != null ? null
            : counter(registry, REPLICATION_BYTES_OUT, "Bytes sent to followers in fetch responses", "bytes");
    }

    private Counter counter(MeterRegistry registry, String name, String description, String unit) {
        // No base unit on purpose: Prometheus would append it to the name (bytesin_bytes_total).
        return Counter.builder(name).tag(TOPIC_TAG, topic).description(description + (unit == null ? "" : " (" + unit + ")"))
            .register(registry);
    }

    /** The topic, or "" for the all-topics aggregate. */
    public String topic() {
        return topic;
    }

    /** A successful leader append of {@code messages} records in {@code bytes} bytes. */
    public void appended(long messages, long bytes) {
        messagesIn.increment(messages);
        bytesIn.increment(bytes);
        if (all != null)
            all.appended(messages, bytes);
    }

    /** Bytes of record data sent to a consumer (one partition of a fetch response). */
    public void bytesOut(long bytes) {
        bytesOut.increment(bytes);
        if (all != null)
            all.bytesOut(bytes);
    }

    /** A batch refused because it was too large ({@code RECORD_TOO_LARGE}, {@code MESSAGE_TOO_LARGE}). */
    public void bytesRejected(long bytes) {
        bytesRejected.increment(bytes);
        if (all != null)
            all.bytesRejected(bytes);
    }

    /** One partition of a produce request reached the log (before the outcome is known), as Kafka counts it. */
    public void produceRequest() {
        totalProduceRequests.increment();
        if (all != null)
            all.produceRequest();
    }

    /**
     * One partition of a produce request failed for an unexpected reason. As in Kafka, expected
     * refusals (unknown partition, not leader, too large, corrupt, offline log dir) are not failures.
     */
    public void failedProduce() {
        failedProduceRequests.increment();
        if (all != null)
            all.failedProduce();
    }

    /** One partition of a fetch request was read. */
    public void fetchRequest() {
        totalFetchRequests.increment();
        if (all != null)
            all.fetchRequest();
    }

    /** One partition of a fetch request failed for an unexpected reason (not: unknown, not leader, out of range). */
    public void failedFetch() {
        failedFetchRequests.increment();
        if (all != null)
            all.failedFetch();
    }

    /** Bytes a follower appended from its leader; counted once per broker like Kafka's ReplicationBytesInPerSec. */
    public void replicationBytesIn(long bytes) {
        if (all != null)
            all.replicationBytesIn(bytes);
        else
            replicationBytesIn.increment(bytes);
    }

    /** Bytes a leader sent to followers; counted once per broker like Kafka's ReplicationBytesOutPerSec. */
    public void replicationBytesOut(long bytes) {
        if (all != null)
            all.replicationBytesOut(bytes);
        else
            replicationBytesOut.increment(bytes);
    }

    List<Meter> meters() {
        return all == null
            ? List.of(messagesIn, bytesIn, bytesOut, bytesRejected, totalProduceRequests, totalFetchRequests,
                failedProduceRequests, failedFetchRequests, replicationBytesIn, replicationBytesOut)
            : List.of(messagesIn, bytesIn, bytesOut, bytesRejected, totalProduceRequests, totalFetchRequests,
                failedProduceRequests, failedFetchRequests);
    }
}
