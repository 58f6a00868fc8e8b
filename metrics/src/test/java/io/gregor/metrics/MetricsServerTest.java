package io.gregor.metrics;

import static io.gregor.metrics.VertxMetricsTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

class MetricsServerTest {
    private BrokerMetrics metrics;
    private Vertx vertx;
    private MetricsServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        metrics = BrokerMetrics.create();
        vertx = GregorMetricsOptions.builder(new VertxOptions(), metrics.registry(), "gregor-server-test").build();
        server = new MetricsServer(metrics, "127.0.0.1", 0);
        await(vertx.deployVerticle(server));
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
        metrics.close();
    }

    private HttpResponse<byte[]> send(String method, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2)
            request.header(headers[i], headers[i + 1]);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesThePrometheusPage() throws Exception {
        metrics.topic("orders").appended(4, 400);
        metrics.request("Produce").received();
        HttpResponse<byte[]> response = send("GET", "/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("content-type").orElse(""));
        PrometheusText page = PrometheusText.parse(new String(response.body(), StandardCharsets.UTF_8));
        assertEquals(4.0, page.value("kafka_server_brokertopicmetrics_messagesin_total", "topic", "orders"));
        assertEquals(1.0, page.value("kafka_network_requestmetrics_requests_total", "request", "Produce"));
        assertNotNull(page.value("jvm_threads_live_threads"));

        // The second scrape sees the first one in Vert.x's own HTTP server meters.
        PrometheusText second = PrometheusText.parse(new String(send("GET", "/metrics").body(), StandardCharsets.UTF_8));
        assertEquals(1.0, second.value("vertx_http_server_requests_total", "code", "200", "method", "GET"));
        assertTrue(second.sampleNames().contains("vertx_net_server_active_connections")
            || second.sampleNames().contains("vertx_http_server_active_connections"), "connection gauges");
    }

    @Test
    void compressesWhenAsked() throws Exception {
        HttpResponse<byte[]> response = send("GET", "/metrics", "Accept-Encoding", "gzip");
        assertEquals(200, response.statusCode());
        assertEquals("gzip", response.headers().firstValue("content-encoding").orElse(""));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            PrometheusText.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void answersOnlyMetrics() throws Exception {
        assertEquals(404, send("GET", "/").statusCode());
        assertEquals(404, send("GET", "/metrics/x").statusCode());
        assertEquals(404, send("GET", "/metricsx").statusCode());
        assertEquals(405, send("POST", "/metrics").statusCode());
        HttpResponse<byte[]> head = send("HEAD", "/metrics");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(200, send("GET", "/metrics?name[]=jvm_info").statusCode());
    }

    @Test
    void undeployingClosesThePort() throws Exception {
        int port = server.actualPort();
        await(vertx.undeploy(server.deploymentID()));
        // The listening socket is released by the event loop shortly after the undeploy completes.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            } catch (java.net.ConnectException expected) {
                return;
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("port " + port + " still open");
            Thread.sleep(50);
        }
    }
}
