package io.gregor.broker.network;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.metrics.BrokerMetrics;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * Accepts client connections on one listener and speaks the Kafka protocol on them. Deployed
 * {@code num.network.threads} times on the same port: Vert.x spreads the connections over the
 * instances, each on its own event loop.
 */
public final class NetworkVerticle extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(NetworkVerticle.class);

    /** What every instance needs; the registry is built per instance so handlers stay on its event loop. */
    public record Settings(String host, int port, int sendBufferBytes, int receiveBufferBytes, int maxRequestBytes,
                           Supplier<ApiRegistry> apis, BrokerMetrics metrics) {
    }

    private static final long DRAIN_TIMEOUT_S = 30;

    private final Settings settings;
    private NetServer server;

    public NetworkVerticle(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void start(Promise<Void> started) {
        NetServerOptions options = new NetServerOptions()
            .setHost(settings.host())
            .setPort(settings.port())
            .setTcpNoDelay(true)
            .setReuseAddress(true);
        if (settings.sendBufferBytes() > 0)
            options.setSendBufferSize(settings.sendBufferBytes());
        if (settings.receiveBufferBytes() > 0)
            options.setReceiveBufferSize(settings.receiveBufferBytes());
        ApiRegistry apis = settings.apis().get();
        server = vertx.createNetServer(options)
            .connectHandler(socket -> new KafkaConnection(socket, apis, settings.maxRequestBytes(), settings.metrics()));
        server.listen().onSuccess(s -> {
            log.debug("Listening on {}:{}", settings.host(), s.actualPort());
            started.complete();
        }).onFailure(started::fail);
    }

    /** The port actually bound (useful with port 0). */
    public int actualPort() {
        return server.actualPort();
    }

    /** Stops accepting, lets every connection answer what it already received, then closes the rest. */
    @Override
    public void stop(Promise<Void> stopped) {
        server.shutdown(DRAIN_TIMEOUT_S, TimeUnit.SECONDS).onComplete(r -> stopped.complete());
    }
}
