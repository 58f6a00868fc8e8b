package io.gregor.broker.network;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;

import io.gregor.metrics.RequestMetrics;

/** One request as the handlers see it: its header, who sent it, and what to release once answered. */
public final class RequestContext {
    private final RequestHeader header;
    private final String clientHost;
    private final String connectionId;
    private final long receivedNanos;
    private List<AutoCloseable> afterSend;
    private RequestMetrics metrics;
    /** Fetch requests also count as FetchConsumer, as in Kafka. */
    private RequestMetrics alsoMetrics;

    public RequestContext(RequestHeader header, String clientHost, String connectionId, long receivedNanos) {
        this.header = header;
        this.clientHost = clientHost;
        this.connectionId = connectionId;
        this.receivedNanos = receivedNanos;
    }

    public RequestHeader header() {
        return header;
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }

    public String clientHost() {
        return clientHost;
    }

    public String connectionId() {
        return connectionId;
    }

    public long receivedNanos() {
        return receivedNanos;
    }

    /** Counts the request under {@code metrics} (and {@code also}, may be null): received now, completed when written. */
    void metrics(RequestMetrics metrics, RequestMetrics also) {
        this.metrics = metrics;
        this.alsoMetrics = also;
        metrics.received();
        if (also != null)
            also.received();
    }

    /** A non-NONE error code in the response (per partition for Produce and Fetch), for kafka_network_requestmetrics_errors_total. */
    public void error(Errors error) {
        if (metrics != null && error != Errors.NONE)
            metrics.error(error.name());
    }

    /** The response is written (or, with acks=0, there is none): records the request's total time. */
    void completed() {
        if (metrics == null)
            return;
        long nanos = System.nanoTime() - receivedNanos;
        metrics.completed(nanos);
        if (alsoMetrics != null)
            alsoMetrics.completed(nanos);
    }

    /** Keeps {@code resource} (say, a lease on mapped log data in the response) until the response is written. */
    public synchronized void releaseAfterSend(AutoCloseable resource) {
        if (afterSend == null)
            afterSend = new ArrayList<>(2);
        afterSend.add(resource);
    }

    synchronized void released() {
        if (afterSend == null)
            return;
        for (AutoCloseable resource : afterSend) {
            try {
                resource.close();
            } catch (Exception ignored) {
                // Leases cannot fail to close; nothing else is registered here.
            }
        }
        afterSend = null;
    }
}
