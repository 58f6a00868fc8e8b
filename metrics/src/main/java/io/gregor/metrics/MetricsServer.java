package io.gregor.metrics;

import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The Prometheus endpoint: {@code GET /metrics} on {@code metrics.listener} answers the text
 * exposition format 0.0.4 (gzip if asked), anything else 404 (405 for other methods on
 * /metrics). The page is rendered on a worker thread, so a big registry never holds up the
 * event loop.
 */
public final class MetricsServer extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    public static final String PATH = "/metrics";
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final BrokerMetrics metrics;
    private final String host;
    private final int port;
    private volatile HttpServer server;

    /** @param port 0 for any free port ({@link #actualPort()} after deployment) */
    public MetricsServer(BrokerMetrics metrics, String host, int port) {
        this.metrics = Objects.requireNonNull(metrics);
        this.host = Objects.requireNonNull(host);
        this.port = port;
    }

    @Override
    public Future<?> start() {
        // HTTP/1.1 only, as Prometheus scrapes: a client asking to upgrade to h2c (Java's HttpClient does
        // by default) was seen getting part of the page as raw bytes where HTTP/2 frames should be.
        HttpServerOptions options = new HttpServerOptions().setCompressionSupported(true).setIdleTimeout(60)
            .setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options)
            .requestHandler(this::handle)
            // A scraper or health check hanging up early is not the broker's problem.
            .exceptionHandler(e -> log.debug("Metrics connection failed: {}", e.toString()))
            .listen(port, host)
            .onSuccess(s -> {
                server = s;
                log.info("Prometheus metrics at http://{}:{}{}", host.contains(":") ? "[" + host + "]" : host,
                    s.actualPort(), PATH);
            });
    }

    /** The bound port, or -1 before the verticle is deployed. */
    public int actualPort() {
        HttpServer s = server;
        return s == null ? -1 : s.actualPort();
    }

    private void handle(HttpServerRequest request) {
        if (!PATH.equals(request.path())) {
            request.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end("Not found; the metrics are at " + PATH + "\n");
            return;
        }
        HttpMethod method = request.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            request.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
            return;
        }
        vertx.executeBlocking(metrics::scrape, false).onComplete(result -> {
            if (result.succeeded()) {
                request.response().putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
                    .end(method == HttpMethod.HEAD ? "" : result.result());
            } else {
                log.warn("Scraping the metrics failed", result.cause());
                request.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end("Scraping the metrics failed: " + result.cause() + "\n");
            }
        });
    }
}
