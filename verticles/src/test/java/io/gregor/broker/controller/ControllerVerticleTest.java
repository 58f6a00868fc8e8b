package io.gregor.broker.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.gregor.broker.NoBlockedThreads;
import io.gregor.broker.cluster.MetadataNotifier;
import io.gregor.coordination.zk.BrokerRegistration;
import io.gregor.coordination.zk.EmbeddedZooKeeper;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

@ExtendWith(NoBlockedThreads.class)
class ControllerVerticleTest {
    private static final long TIMEOUT_MS = 10_000;
    private static final String UNCLEAN = "unclean.leader.election.enable";
    private static final ControllerVerticle.LeaderRebalance NO_REBALANCE = new ControllerVerticle.LeaderRebalance(false, 300, 10);

    @TempDir
    Path dir;
    private EmbeddedZooKeeper zooKeeper;
    private ZkMetadataStore admin;
    private Vertx vertx;
    /** Fake brokers: a ZooKeeper session each; closing it is the broker dying. */
    private final Map<Integer, ZkMetadataStore> brokers = new HashMap<>();
    private final RecordingNotifier notifier = new RecordingNotifier();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zooKeeper = EmbeddedZooKeeper.start(dir, 0);
        admin = connect();
        admin.ensurePersistentPaths();
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopAll() throws Exception {
        await(vertx.close());
        brokers.values().forEach(ZkMetadataStore::close);
        admin.close();
        zooKeeper.close();
    }

    @Test
    void leaderMovesToTheNextIsrReplicaAndTheIsrShrinks() throws Exception {
        startBrokers(1, 2, 3);
        createTopic("t", Map.of(), Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1)));
        startController(3, false);
        awaitResynced(1, 2, 3);

        killBroker(1);
        awaitState("t", 0, new PartitionState(2, 1, List.of(2, 3), epoch(), 1));
        awaitState("t", 1, new PartitionState(2, 1, List.of(2, 3), epoch(), 1));
        awaitTrue("t announced", () -> notifier.changed.stream().anyMatch(c -> c.contains("t")));

        startBrokers(1);
        awaitResynced(1, 2, 3, 1);
        // Back in the ISR only once it catches up with the leader: not the controller's business.
        assertEquals(new PartitionState(2, 1, List.of(2, 3), epoch(), 1), admin.partitionStates("t").get(0));
    }

    @Test
    void singleReplicaPartitionGoesOfflineAndComesBackWithItsBroker() throws Exception {
        startBrokers(1, 2);
        createTopic("solo", Map.of(), Map.of(0, List.of(2)));
        startController(1, false);
        awaitResynced(1, 2);

        killBroker(2);
        awaitState("solo", 0, new PartitionState(PartitionState.NO_LEADER, 1, List.of(2), epoch(), 1));

        startBrokers(2);
        awaitState("solo", 0, new PartitionState(2, 2, List.of(2), epoch(), 2));
        awaitResynced(1, 2, 2);
    }

    @Test
    void topicSettingForUncleanElectionWinsOverTheBrokerDefault() throws Exception {
        startBrokers(1, 2, 3);
        // Broker 2 is a replica of both but out of sync: only an unclean election makes it leader.
        createTopic("default-unclean", Map.of(), Map.of(0, List.of(1, 2)));
        createTopic("clean", Map.of(UNCLEAN, "false"), Map.of(0, List.of(1, 2)));
        for (String topic : List.of("default-unclean", "clean"))
            admin.updatePartitionState(topic, 0, new PartitionState(1, 1, List.of(1), 1, 0));
        startController(3, true);
        awaitResynced(1, 2, 3);

        killBroker(1);
        awaitState("default-unclean", 0, new PartitionState(2, 2, List.of(2), epoch(), 2));
        awaitState("clean", 0, new PartitionState(PartitionState.NO_LEADER, 2, List.of(1), epoch(), 2));
    }

    @Test
    void uncleanElectionCanBeEnabledPerTopic() throws Exception {
        startBrokers(1, 2, 3);
        createTopic("unclean", Map.of(UNCLEAN, "true"), Map.of(0, List.of(1, 2)));
        admin.updatePartitionState("unclean", 0, new PartitionState(1, 1, List.of(1), 1, 0));
        startController(3, false);
        awaitResynced(1, 2, 3);

        killBroker(1);
        awaitState("unclean", 0, new PartitionState(2, 2, List.of(2), epoch(), 2));
    }

    @Test
    void anotherBrokerTakesOverWhenTheControllersSessionEnds() throws Exception {
        startBrokers(1, 2, 3);
        createTopic("t", Map.of(), Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)));
        Queue<Integer> seenBy1 = startController(1, false);
        Queue<Integer> seenBy2 = startController(2, false);
        awaitTrue("a controller", () -> admin.controllerId() > 0);
        int first = admin.controllerId();
        int second = first == 1 ? 2 : 1;
        int firstEpoch = epoch();
        awaitTrue("both told of the controller", () -> seenBy1.contains(first) && seenBy2.contains(first));

        killBroker(first);
        awaitTrue("broker " + second + " elected", () -> admin.controllerId() == second && epoch() == firstEpoch + 1);
        awaitTrue("survivor told", () -> (second == 1 ? seenBy1 : seenBy2).contains(second));
        int leaderOf0 = first == 1 ? 2 : 1;
        awaitState("t", 0, new PartitionState(leaderOf0, 1, first == 1 ? List.of(2, 3) : List.of(1, 3), epoch(), 1));
        awaitValue("ISR of t-2", () -> admin.partitionStates("t").get(2).isr(), first == 1 ? List.of(3, 2) : List.of(3, 1));
    }

    @Test
    void stoppingTheControllerHandsOverAtOnce() throws Exception {
        startBrokers(1, 2);
        createTopic("t", Map.of(), Map.of(0, List.of(1, 2)));
        String deployment = await(vertx.deployVerticle(controller(1, false, id -> { })));
        awaitTrue("broker 1 controller", () -> admin.controllerId() == 1);
        startController(2, false);

        await(vertx.undeploy(deployment));
        awaitTrue("broker 2 controller", () -> admin.controllerId() == 2);
        killBroker(1);
        awaitState("t", 0, new PartitionState(2, 1, List.of(2), epoch(), 1));
    }

    @Test
    void leadershipGoesBackToThePreferredReplicaOnceItIsInSyncAgain() throws Exception {
        startBrokers(1, 2, 3);
        createTopic("t", Map.of(), Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1)));
        await(vertx.deployVerticle(new ControllerVerticle(brokers.get(3), 3, false,
            new ControllerVerticle.LeaderRebalance(true, 1, 10), notifier, id -> { })));
        awaitResynced(1, 2, 3);
        killBroker(1);
        awaitState("t", 0, new PartitionState(2, 1, List.of(2, 3), epoch(), 1));

        startBrokers(1);
        awaitResynced(1, 2, 3, 1);
        // What broker 2 writes as leader once broker 1 has caught up: only then may broker 1 lead again.
        admin.updatePartitionState("t", 0, new PartitionState(2, 1, List.of(2, 3, 1), epoch(), 1));
        awaitState("t", 0, new PartitionState(1, 2, List.of(2, 3, 1), epoch(), 3));
        assertEquals(2, admin.partitionStates("t").get(1).leader());
    }

    private ZkMetadataStore connect() {
        return ZkMetadataStore.connect(zooKeeper.connectString() + "/controller-test", 6000, 5000);
    }

    private void startBrokers(int... ids) {
        for (int id : ids) {
            ZkMetadataStore session = connect();
            session.registerBroker(new BrokerRegistration(id, "127.0.0.1", 9000 + id));
            brokers.put(id, session);
        }
    }

    private void killBroker(int id) {
        brokers.remove(id).close();
    }

    /** A controller on broker {@code id}'s session; returns the controller ids it reports. */
    private Queue<Integer> startController(int id, boolean uncleanByDefault) throws Exception {
        Queue<Integer> seen = new ConcurrentLinkedQueue<>();
        await(vertx.deployVerticle(controller(id, uncleanByDefault, seen::add)));
        return seen;
    }

    private ControllerVerticle controller(int id, boolean uncleanByDefault, IntConsumer seen) {
        return new ControllerVerticle(brokers.get(id), id, uncleanByDefault, NO_REBALANCE, notifier, seen);
    }

    /** Every partition led by its first replica with all replicas in sync, as a new topic. */
    private void createTopic(String topic, Map<String, String> configs, Map<Integer, List<Integer>> replicas) {
        Map<Integer, PartitionState> states = new HashMap<>();
        replicas.forEach((p, r) -> states.put(p, PartitionState.of(r.get(0), 0, r, 1)));
        admin.createTopic(new TopicAssignment(topic, Uuid.randomUuid(), replicas), configs, states);
    }

    private int epoch() {
        return admin.controllerEpoch();
    }

    private void awaitState(String topic, int partition, PartitionState expected) throws InterruptedException {
        awaitValue("state of " + topic + "-" + partition, () -> admin.partitionStates(topic).get(partition), expected);
    }

    /** The brokers resynced so far, in order. */
    private void awaitResynced(Integer... ids) throws InterruptedException {
        awaitValue("resynced brokers", () -> List.copyOf(notifier.resynced), List.of(ids));
    }

    private static <T> void awaitValue(String what, Supplier<T> actual, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        T last = actual.get();
        while (!expected.equals(last) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            last = actual.get();
        }
        assertEquals(expected, last, what);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                fail("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static final class RecordingNotifier implements MetadataNotifier {
        final Queue<Set<String>> changed = new ConcurrentLinkedQueue<>();
        final Queue<Integer> resynced = new ConcurrentLinkedQueue<>();

        @Override
        public Future<Void> topicsChanged(Collection<String> topics) {
            changed.add(Set.copyOf(topics));
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> resync(int brokerId) {
            resynced.add(brokerId);
            return Future.succeededFuture();
        }
    }
}
