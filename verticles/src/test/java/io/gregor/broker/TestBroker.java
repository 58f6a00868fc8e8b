package io.gregor.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import io.gregor.broker.config.BrokerConfig;

/**
 * A broker in this JVM on a random loopback port, with an embedded ZooKeeper on another, both
 * under a temp dir that {@link #close()} removes. {@link #restart()} keeps the data.
 */
public final class TestBroker implements AutoCloseable {
    static {
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    }

    private final Path dir;
    private final Map<String, String> overrides;
    private Broker broker;

    private TestBroker(Path dir, Map<String, String> overrides) {
        this.dir = dir;
        this.overrides = overrides;
    }

    public static TestBroker start(Map<String, String> overrides) throws Exception {
        TestBroker test = new TestBroker(Files.createTempDirectory("gregor-test"), overrides);
        test.startBroker();
        return test;
    }

    public static TestBroker start() throws Exception {
        return start(Map.of());
    }

    private void startBroker() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("broker.id", "0");
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + (broker == null ? 0 : broker.listener().port()));
        props.put("log.dirs", dir.resolve("kafka-logs").toString());
        props.put("zookeeper.embedded.port", "0");
        props.put("zookeeper.embedded.data.dir", dir.resolve("zookeeper").toString());
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("offsets.topic.replication.factor", "1");
        props.put("metrics.listener", "http://127.0.0.1:0");
        props.putAll(overrides);
        broker = Broker.start(new BrokerConfig(props));
    }

    public String bootstrap() {
        return "127.0.0.1:" + broker.listener().port();
    }

    public Path logDir() {
        return dir.resolve("kafka-logs");
    }

    public Broker broker() {
        return broker;
    }

    /** A clean stop and start on the same port and data. */
    public void restart() throws Exception {
        broker.close();
        startBroker();
    }

    @Override
    public void close() throws IOException {
        if (broker != null)
            broker.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(p);
        }
    }
}
