package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.micrometer.backends.BackendRegistries;

/** Vert.x built with {@link GregorMetricsOptions} reports its own meters to the broker's registry. */
class VertxMetricsTest {

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Event bus traffic, a TCP server with a connection and a worker task, then the page. */
    private static PrometheusText exercise(Vertx vertx, BrokerMetrics metrics) throws Exception {
        vertx.eventBus().<String>localConsumer("gregor.log.shard.0", m -> m.reply(m.body()));
        for (int i = 0; i < 5; i++)
            assertEquals("ping", await(vertx.eventBus().request("gregor.log.shard.0", "ping")).body());
        NetServer server = await(vertx.createNetServer().connectHandler(s -> s.handler(s::write)).listen(0, "127.0.0.1"));
        NetSocket socket = await(vertx.createNetClient().connect(server.actualPort(), "127.0.0.1"));
        Buffer echoed = Buffer.buffer();
        socket.handler(echoed::appendBuffer);
        await(socket.write("hello"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (echoed.length() < 5 && System.nanoTime() < deadline)
            Thread.sleep(10);
        await(vertx.executeBlocking(() -> 42));
        PrometheusText page = PrometheusText.parse(metrics.scrape());
        // Vert.x reports socket byte counts in 4 KiB steps and when the connection closes.
        await(socket.close());
        while (System.nanoTime() < deadline) {
            PrometheusText after = PrometheusText.parse(metrics.scrape());
            if (Double.valueOf(5.0).equals(after.value("vertx_net_server_bytes_read_total")))
                return after;
            Thread.sleep(10);
        }
        return page;
    }

    @Test
    void vertxMetersLandInTheBrokerRegistry() throws Exception {
        BrokerMetrics metrics = BrokerMetrics.create();
        Vertx vertx = GregorMetricsOptions.builder(new VertxOptions(), metrics.registry(), "gregor-test-a").build();
        try {
            assertSame(metrics.registry(), BackendRegistries.getNow("gregor-test-a"));
            PrometheusText page = exercise(vertx, metrics);
            Set<String> names = page.sampleNames();
            for (String name : new String[]{"vertx_eventbus_sent_total", "vertx_eventbus_received_total",
                "vertx_eventbus_delivered_total", "vertx_eventbus_handlers", "vertx_eventbus_pending",
                "vertx_net_server_active_connections", "vertx_net_client_bytes_written_total", "vertx_net_server_bytes_read_total",
                "vertx_net_server_bytes_written_total", 
                "vertx_pool_queue_pending", "vertx_pool_in_use", "vertx_pool_usage_seconds_count",
                "jvm_memory_used_bytes"})
                assertTrue(names.contains(name), name + " missing from " + names);
            assertEquals(5.0, page.value("vertx_eventbus_sent_total", "address", "gregor.log.shard.0", "side", "local"));
            assertEquals(5.0, page.value("vertx_net_server_bytes_read_total"));
            assertTrue(names.stream().noneMatch(n -> n.startsWith("vertx_") && page.samples(n).stream()
                .anyMatch(s -> s.labels().getOrDefault("address", "").startsWith("__vertx"))), "no reply addresses");
        } finally {
            await(vertx.close());
            metrics.close();
        }
        assertNull(BackendRegistries.getNow("gregor-test-a"), "closing Vert.x forgets the registry name");
    }

    /** Two brokers in one JVM: each Vert.x reports to its own registry only. */
    @Test
    void severalVertxInstancesInOneJvmKeepTheirRegistries() throws Exception {
        BrokerMetrics first = BrokerMetrics.create();
        BrokerMetrics second = new BrokerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), false);
        Vertx a = GregorMetricsOptions.builder(new VertxOptions(), first.registry(), "gregor-test-b1").build();
        Vertx b = GregorMetricsOptions.builder(new VertxOptions(), second.registry(), "gregor-test-b2").build();
        try {
            exercise(a, first);
            for (int i = 0; i < 3; i++)
                await(b.eventBus().request("nowhere", "x").recover(e -> Future.succeededFuture()));
            PrometheusText one = PrometheusText.parse(first.scrape());
            PrometheusText two = PrometheusText.parse(second.scrape());
            assertEquals(5.0, one.value("vertx_eventbus_sent_total", "address", "gregor.log.shard.0", "side", "local"));
            assertNull(two.value("vertx_eventbus_sent_total", "address", "gregor.log.shard.0", "side", "local"));
            assertEquals(3.0, two.value("vertx_eventbus_sent_total", "address", "nowhere", "side", "local"));
            assertNull(one.value("vertx_eventbus_sent_total", "address", "nowhere", "side", "local"));
        } finally {
            await(a.close());
            await(b.close());
            first.close();
            second.close();
        }
    }

    /**
     * Options alone (no explicit factory): Vert.x finds its factory through META-INF/services, and
     * the backend recorded under the registry name routes it to the broker's registry anyway.
     */
    @Test
    void optionsAloneAlsoReachTheRegistry() throws Exception {
        BrokerMetrics metrics = new BrokerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), false);
        Vertx vertx = Vertx.builder().with(new VertxOptions()
            .setMetricsOptions(GregorMetricsOptions.create(metrics.registry()))).build();
        try {
            assertTrue(vertx.isMetricsEnabled());
            PrometheusText page = exercise(vertx, metrics);
            assertNotNull(page.value("vertx_eventbus_sent_total", "address", "gregor.log.shard.0", "side", "local"));
        } finally {
            await(vertx.close());
            metrics.close();
        }
    }
}
