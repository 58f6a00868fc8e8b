package io.gregor.metrics;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Vert.x metrics options that report Vert.x's own meters (event bus, net server and clients,
 * HTTP server, worker pools) to a broker's {@link PrometheusMeterRegistry}, under a registry name
 * of their own: Vert.x keeps its backends in a JVM-wide map by name, so several brokers in one
 * JVM (tests) each need a distinct one.
 *
 * <pre>{@code
 * VertxOptions options = new VertxOptions().setEventBusOptions(eventBus)
 *     .setMetricsOptions(GregorMetricsOptions.create(metrics.registry(), "gregor-broker-" + brokerId));
 * Vertx.builder().with(options).withMetrics(GregorMetricsOptions.factory(metrics.registry()))
 *     .withClusterManager(clusterManager).buildClustered();
 * }</pre>
 *
 * <p>Labels: Vert.x's defaults (HTTP method and code, pool type and name, event bus side) plus
 * the event bus address, whose values are bounded (one address per log shard and per broker
 * service; Vert.x skips its internal {@code __vertx.*} reply addresses). No remote or local
 * socket address labels, so clients do not add series.
 *
 * <p>Cost: Vert.x's event bus meters add about 0.7 µs to a local request/reply (measured: 1.5 M
 * round trips/s on one event loop without them, 0.7 M with). To do without them:
 * {@code create(registry, name).addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)}.
 */
public final class GregorMetricsOptions {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private GregorMetricsOptions() {
    }

    /** As {@link #create(PrometheusMeterRegistry, String)} with a registry name unique in this JVM. */
    public static MicrometerMetricsOptions create(PrometheusMeterRegistry registry) {
        return create(registry, "gregor-" + SEQUENCE.incrementAndGet());
    }

    /**
     * Options that make a Vert.x instance report to {@code registry}. The registry is also
     * recorded under {@code registryName} in Vert.x's backend map (removed when that Vert.x
     * closes), so these options work even when Vert.x finds its metrics factory through
     * {@code META-INF/services} rather than {@link #factory}; pass {@link #factory} anyway, which
     * does not depend on the fat jar keeping the service files.
     */
    public static MicrometerMetricsOptions create(PrometheusMeterRegistry registry, String registryName) {
        MicrometerMetricsOptions options = new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(registryName)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setStartEmbeddedServer(false))
            .setJvmMetricsEnabled(false) // bound by BrokerMetrics, once per registry
            .addLabels(Label.EB_ADDRESS);
        BackendRegistries.setupBackend(options, registry);
        return options;
    }

    /** The metrics factory reporting to {@code registry}, for {@code VertxBuilder.withMetrics}. */
    public static VertxMetricsFactory factory(PrometheusMeterRegistry registry) {
        return new MicrometerMetricsFactory(registry);
    }

    /** A builder for a Vert.x reporting to {@code registry}: {@code options} get the metrics options set. */
    public static VertxBuilder builder(VertxOptions options, PrometheusMeterRegistry registry, String registryName) {
        return Vertx.builder().with(options.setMetricsOptions(create(registry, registryName))).withMetrics(factory(registry));
    }
}
