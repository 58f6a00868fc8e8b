package io.gregor.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataCache;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Notifies brokers over the clustered event bus. A broker that has just joined may not be
 * reachable yet (its address spreads through the cluster manager): no-handler failures are
 * retried for a while. A broker that never answers is given up on; it reloads everything when
 * it (re)joins.
 */
public final class EventBusMetadataNotifier implements MetadataNotifier {
    private static final Logger log = LoggerFactory.getLogger(EventBusMetadataNotifier.class);
    private static final long TIMEOUT_MS = 10_000;
    private static final long RETRY_MS = 200;

    private final Vertx vertx;
    private final MetadataCache cache;
    private final int brokerId;
    private final ReplicaManager self;

    public EventBusMetadataNotifier(Vertx vertx, MetadataCache cache, int brokerId, ReplicaManager self) {
        this.vertx = vertx;
        this.cache = cache;
        this.brokerId = brokerId;
        this.self = self;
    }

    @Override
    public Future<Void> topicsChanged(Collection<String> topics) {
        List<Future<Void>> sent = new ArrayList<>();
        sent.add(self.reload(topics));
        JsonObject body = new JsonObject().put("topics", new JsonArray(List.copyOf(topics)));
        for (BrokerEndpoint broker : cache.image().brokers()) {
            if (broker.id() != brokerId)
                sent.add(send(broker.id(), body));
        }
        return Future.join(sent).mapEmpty();
    }

    @Override
    public Future<Void> resync(int broker) {
        return broker == brokerId ? self.reloadAll() : send(broker, new JsonObject().put("all", true));
    }

    private Future<Void> send(int broker, JsonObject body) {
        Promise<Void> done = Promise.promise();
        attempt(broker, body, System.currentTimeMillis() + TIMEOUT_MS, done);
        return done.future();
    }

    private void attempt(int broker, JsonObject body, long deadline, Promise<Void> done) {
        long left = deadline - System.currentTimeMillis();
        vertx.eventBus().request(InterBroker.metadataAddress(broker), body,
            new DeliveryOptions().setSendTimeout(Math.max(1, left))).onComplete(r -> {
            if (r.succeeded()) {
                done.complete();
            } else if (r.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS
                && System.currentTimeMillis() + RETRY_MS < deadline && isLive(broker)) {
                vertx.setTimer(RETRY_MS, t -> attempt(broker, body, deadline, done));
            } else {
                log.warn("Broker {} did not take the metadata notification {}: {}", broker, body, r.cause().getMessage());
                done.complete();
            }
        });
    }

    private boolean isLive(int broker) {
        return cache.image().brokers().stream().anyMatch(b -> b.id() == broker);
    }
}
