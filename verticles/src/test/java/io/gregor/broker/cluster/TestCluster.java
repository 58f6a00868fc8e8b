package io.gregor.broker.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.gregor.broker.Broker;
import io.gregor.broker.config.BrokerConfig;
import io.gregor.coordination.zk.EmbeddedZooKeeper;

/**
 * Brokers 1..n in this JVM, each on random loopback ports with its own log dir, sharing one
 * ZooKeeper under a temp dir that {@link #close()} removes. A stopped broker restarts on its old
 * ports and data.
 */
public final class TestCluster implements AutoCloseable {
    static {
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    }

    private final Path dir;
    private final EmbeddedZooKeeper zooKeeper;
    private final Map<String, String> overrides;
    private final Map<Integer, Broker> brokers = new TreeMap<>();
    private final Map<Integer, Integer> ports = new HashMap<>();

    private TestCluster(Path dir, EmbeddedZooKeeper zooKeeper, Map<String, String> overrides) {
        this.dir = dir;
        this.zooKeeper = zooKeeper;
        this.overrides = overrides;
    }

    public static TestCluster start(int size, Map<String, String> overrides) throws Exception {
        Path dir = Files.createTempDirectory("gregor-cluster");
        TestCluster cluster = new TestCluster(dir, EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0), overrides);
        try {
            for (int id = 1; id <= size; id++)
                cluster.startBroker(id);
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public void startBroker(int id) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", Integer.toString(id));
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + ports.getOrDefault(id, 0));
        props.put("log.dirs", dir.resolve("broker-" + id).toString());
        props.put("zookeeper.connect", zooKeeper.connectString() + "/gregor");
        props.put("zookeeper.session.timeout.ms", "6000");
        props.put("cluster.listener", "127.0.0.1");
        props.put("num.network.threads", "1");
        props.put("num.io.threads", "2");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("replica.lag.time.max.ms", "3000");
        props.put("replica.fetch.backoff.ms", "200");
        props.put("metrics.listener", "http://127.0.0.1:0");
        props.putAll(overrides);
        Broker broker = Broker.start(new BrokerConfig(props));
        ports.put(id, broker.listener().port());
        brokers.put(id, broker);
    }

    /** A controlled shutdown: the broker leaves ZooKeeper at once, so the controller reacts without a session timeout. */
    public void stopBroker(int id) {
        Broker broker = brokers.remove(id);
        if (broker != null)
            broker.close();
    }

    public Broker broker(int id) {
        return brokers.get(id);
    }

    public Iterable<Broker> running() {
        return brokers.values();
    }

    public String bootstrap() {
        return brokers.values().stream().map(b -> "127.0.0.1:" + b.listener().port()).collect(Collectors.joining(","));
    }

    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(props);
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("Timed out waiting until " + what);
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws IOException {
        for (Broker broker : brokers.values())
            broker.close();
        brokers.clear();
        zooKeeper.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(p);
        }
    }
}
