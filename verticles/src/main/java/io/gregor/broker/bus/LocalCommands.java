package io.gregor.broker.bus;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Serves commands sent by reference to a local address: each runs on the serving verticle's event
 * loop and its result (or failure) is the reply. Shared by the log shards and the group coordinator.
 */
public final class LocalCommands {
    private static final Logger log = LoggerFactory.getLogger(LocalCommands.class);
    public static final DeliveryOptions LOCAL = new DeliveryOptions().setCodecName(LocalCodec.NAME).setLocalOnly(true);
    /**
     * For sending a command: no send timeout, because a command may wait by design (a delayed
     * fetch, a JoinGroup parked until the rebalance completes) and ends on its own deadline.
     */
    public static final DeliveryOptions REQUEST = new DeliveryOptions(LOCAL).setSendTimeout(Long.MAX_VALUE / 2);

    private LocalCommands() {
    }

    /** Registers the consumer; its completion says when commands can be sent. */
    public static <C> MessageConsumer<C> serve(Vertx vertx, String address, Function<C, Future<?>> execute) {
        return vertx.eventBus().<C>localConsumer(address, message -> {
            Future<?> result;
            try {
                result = execute.apply(message.body());
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.onComplete(r -> {
                if (r.succeeded()) {
                    message.reply(r.result(), LOCAL);
                } else {
                    log.error("{} failed at {}", message.body().getClass().getSimpleName(), address, r.cause());
                    message.fail(1, String.valueOf(r.cause()));
                }
            });
        });
    }
}
