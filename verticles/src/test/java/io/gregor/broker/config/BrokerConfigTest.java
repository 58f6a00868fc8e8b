package io.gregor.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.gregor.storage.log.LogConfig;
import io.gregor.storage.log.LogManagerConfig;
import kafka.server.KafkaConfig;

class BrokerConfigTest {

    private static final Path SHIPPED = Path.of("..", "conf", "server.properties");

    /** Keys Kafka does not have. */
    private static final Set<String> GREGOR_KEYS = Set.of(
        "zookeeper.embedded.port", "zookeeper.embedded.data.dir", "metrics.listener", "cluster.listener");

    /** Keys whose default Gregor changes on purpose; every other must match Kafka 3.9. */
    private static final Set<String> GREGOR_DEFAULTS = Set.of("log.dir");

    /** A loopback listener, so no test depends on resolving this machine's host name. */
    private static BrokerConfig config(String... keysAndValues) {
        Map<String, String> supplied = new HashMap<>();
        supplied.put("listeners", "PLAINTEXT://127.0.0.1:9092");
        for (int i = 0; i < keysAndValues.length; i += 2)
            supplied.put(keysAndValues[i], keysAndValues[i + 1]);
        return new BrokerConfig(supplied);
    }

    @Test
    void shippedFileLoadsWithoutUnknownKeys() {
        BrokerConfig config = BrokerConfig.load(SHIPPED, Map.of());

        assertEquals(List.of(), config.unknownKeys());
        assertEquals(0, config.brokerId());
        assertEquals(List.of(new Listener("PLAINTEXT", "127.0.0.1", 9092)), config.listeners());
        assertEquals(config.listeners(), config.advertisedListeners());
        assertEquals(List.of(Path.of("data", "kafka-logs")), config.logDirs());
        assertEquals(Optional.empty(), config.zookeeperConnect());
        assertEquals(2181, config.zookeeperEmbeddedPort());
        assertEquals(Path.of("data", "zookeeper"), config.zookeeperEmbeddedDataDir());
        assertEquals(new Listener("HTTP", "127.0.0.1", 9404), config.metricsListener());
        assertEquals("127.0.0.1", config.clusterListenerHost());
        assertEquals(1, config.offsetsTopicReplicationFactor());
    }

    @Test
    void everyKafkaKeyHasKafkasTypeAndDefault() {
        ConfigDef kafka = KafkaConfig.configDef();
        for (ConfigDef.ConfigKey key : BrokerConfigKeys.DEFINITION.configKeys().values()) {
            if (GREGOR_KEYS.contains(key.name))
                continue;
            ConfigDef.ConfigKey theirs = kafka.configKeys().get(key.name);
            assertNotNull(theirs, key.name + " is not a Kafka broker key");
            assertEquals(theirs.type, key.type, key.name);
            if (!GREGOR_DEFAULTS.contains(key.name))
                assertEquals(theirs.defaultValue, key.defaultValue, key.name);
        }
    }

    @Test
    void defaultsAsTyped() {
        BrokerConfig config = config();

        assertEquals(-1, config.brokerId());
        assertEquals(3, config.numNetworkThreads());
        assertEquals(8, config.numIoThreads());
        assertEquals(104857600, config.socketRequestMaxBytes());
        assertEquals(102400, config.socketSendBufferBytes());
        assertEquals(1, config.numPartitions());
        assertEquals(1, config.defaultReplicationFactor());
        assertTrue(config.autoCreateTopicsEnable());
        assertTrue(config.deleteTopicEnable());
        assertEquals(1048588, config.messageMaxBytes());
        assertEquals(1, config.minInsyncReplicas());
        assertEquals(false, config.uncleanLeaderElectionEnable());
        assertEquals(3000, config.groupInitialRebalanceDelayMs());
        assertEquals(50, config.offsetsTopicNumPartitions());
        assertEquals(3, config.offsetsTopicReplicationFactor());
        assertEquals(7 * 24 * 3600_000L, config.offsetsRetentionMs());
        assertEquals(18000, config.zookeeperConnectionTimeoutMs());
        assertEquals(List.of(Path.of("data", "kafka-logs")), config.logDirs());
        assertEquals(Optional.empty(), config.zookeeperConnect());
        assertEquals(new Listener("HTTP", "0.0.0.0", 9404), config.metricsListener());
        assertEquals(0, config.clusterListenerPort());
        assertEquals(List.of("delete"), config.logCleanupPolicy());
        assertEquals(0, config.logRollJitterMs());
        assertEquals(LogConfig.DEFAULT, config.defaultLogConfig());
        assertEquals(LogManagerConfig.defaults(config.logDirs()), config.logManagerConfig());
    }

    @Test
    void environmentOverridesFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "listeners=PLAINTEXT://127.0.0.1:9092\nnum.io.threads=4\nlog.dirs=/from/file\n");
        Map<String, String> env = Map.of(
            "GREGOR_NUM_IO_THREADS", "16",
            "GREGOR_LOG_DIRS", "/a, /b",
            "GREGOR_ZOOKEEPER_CONNECT", "zk:2181/gregor",
            "GREGOR_NO_SUCH_KEY", "1",
            "PATH", "/usr/bin");

        BrokerConfig config = BrokerConfig.load(file, env);

        assertEquals(16, config.numIoThreads());
        assertEquals(List.of(Path.of("/a"), Path.of("/b")), config.logDirs());
        assertEquals("zk:2181/gregor", config.zookeeperConnect().orElseThrow().connectString());
        assertEquals(List.of("GREGOR_NO_SUCH_KEY"), config.unknownKeys());
        assertEquals("16", config.originals().get("num.io.threads"));
        assertEquals("GREGOR_LOG_DIRS", BrokerConfig.envName("log.dirs"));
    }

    @Test
    void unknownKeysAreReported() {
        BrokerConfig config = config("log.retention.hourz", "1", "process.roles", "broker");

        assertEquals(List.of("log.retention.hourz", "process.roles"), config.unknownKeys());
        assertEquals(168 * 3600_000L, config.defaultLogConfig().retentionMs());
    }

    @Test
    void missingFileIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> BrokerConfig.load(Path.of("no-such.properties"), Map.of()));
        assertTrue(e.getMessage().contains("no-such.properties"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "num.network.threads | 0",
        "num.io.threads | -1",
        "log.segment.bytes | abc",
        "log.segment.bytes | 13",
        "message.max.bytes | -1",
        "broker.id | -2",
        "auto.create.topics.enable | yes",
        "log.message.timestamp.type | WallClock",
        "log.cleanup.policy | delete,shred",
        "log.roll.ms | 0",
        "zookeeper.embedded.port | 65536",
        "listeners | foo",
        "listeners | PLAINTEXT://127.0.0.1:70000",
        "listeners | SSL://127.0.0.1:9093",
        "listeners | FOO://127.0.0.1:9093",
        "listeners | PLAINTEXT://127.0.0.1:9092,PLAINTEXT://127.0.0.1:9093",
        "advertised.listeners | INTERNAL://127.0.0.1:9092",
        "advertised.listeners | PLAINTEXT://0.0.0.0:9092",
        "zookeeper.connect | zk:2181/a//b",
        "zookeeper.connect | zk:2181/a/",
        "zookeeper.connect | ,zk:2181",
        "metrics.listener | tcp://127.0.0.1:9404",
        "cluster.listener | a:b:c",
        "log.dirs | ' , '",
    })
    void invalidValueNamesTheKey(String key, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> config(key, value));
        assertTrue(e.getMessage().startsWith("Invalid value ") && e.getMessage().contains(" for configuration " + key),
            e.getMessage());
    }

    @Test
    void listenersMustHaveDistinctPorts() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> config("listeners", "PLAINTEXT://127.0.0.1:9092,OTHER://127.0.0.1:9092",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"));
        assertTrue(e.getMessage().contains("listeners"), e.getMessage());
    }

    @Test
    void retentionPrecedenceIsMsThenMinutesThenHours() {
        assertEquals(3600_000L, config("log.retention.hours", "1").defaultLogConfig().retentionMs());
        assertEquals(120_000L, config("log.retention.hours", "1", "log.retention.minutes", "2")
            .defaultLogConfig().retentionMs());
        assertEquals(5L, config("log.retention.hours", "1", "log.retention.minutes", "2", "log.retention.ms", "5")
            .defaultLogConfig().retentionMs());
        assertEquals(-1L, config("log.retention.ms", "-5").defaultLogConfig().retentionMs());
        assertEquals(-1L, config("log.retention.hours", "-1").defaultLogConfig().retentionMs());
    }

    @Test
    void zookeeperConnectSplitsTheChroot() {
        ZookeeperConnect zk = config("zookeeper.connect", "zk1:2181,zk2:2181/kafka/prod").zookeeperConnect().orElseThrow();
        assertEquals("zk1:2181,zk2:2181", zk.hosts());
        assertEquals("/kafka/prod", zk.chroot());
        assertEquals("zk1:2181,zk2:2181/kafka/prod", zk.connectString());

        ZookeeperConnect plain = config("zookeeper.connect", "zk1:2181").zookeeperConnect().orElseThrow();
        assertEquals("/", plain.chroot());
        assertEquals("zk1:2181", plain.connectString());

        assertEquals(Optional.empty(), config("zookeeper.connect", "embedded").zookeeperConnect());
        assertEquals(Optional.empty(), config("zookeeper.connect", " ").zookeeperConnect());
    }

    @Test
    void listenersWithAnyPortAndNamedProtocols() {
        BrokerConfig config = config(
            "listeners", "plaintext://127.0.0.1:0, INTERNAL://[::1]:0, EXTERNAL://:9094",
            "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "advertised.listeners", "EXTERNAL://broker.example:19094,INTERNAL://[::1]:0");

        assertEquals(List.of(new Listener("PLAINTEXT", "127.0.0.1", 0), new Listener("INTERNAL", "::1", 0),
            new Listener("EXTERNAL", "", 9094)), config.listeners());
        assertEquals("0.0.0.0", config.listeners().get(2).bindHost());
        assertEquals("INTERNAL://[::1]:0", config.listeners().get(1).toString());
        assertEquals(List.of(new Listener("EXTERNAL", "broker.example", 19094), new Listener("INTERNAL", "::1", 0)),
            config.advertisedListeners());
        assertEquals("broker.example", config.clusterListenerHost());
    }

    @Test
    void clusterListenerTakesAnOptionalPort() {
        assertEquals("broker-1.internal", config("cluster.listener", "broker-1.internal:7000").clusterListenerHost());
        assertEquals(7000, config("cluster.listener", "broker-1.internal:7000").clusterListenerPort());
        assertEquals("::1", config("cluster.listener", "[::1]").clusterListenerHost());
        assertEquals(0, config("cluster.listener", "[::1]").clusterListenerPort());
    }

    @Test
    void logDirsOverridesLogDir() {
        assertEquals(List.of(Path.of("/one")), config("log.dir", "/one").logDirs());
        assertEquals(List.of(Path.of("/two"), Path.of("/three")),
            config("log.dir", "/one", "log.dirs", "/two,/three").logDirs());
    }

    @Test
    void brokerLogKeysBecomeTheDefaultLogConfig() {
        BrokerConfig config = config(
            "log.segment.bytes", "1048576",
            "log.roll.hours", "2",
            "log.index.size.max.bytes", "4096",
            "log.index.interval.bytes", "100",
            "message.max.bytes", "2000",
            "log.message.timestamp.type", "LogAppendTime",
            "log.retention.minutes", "10",
            "log.retention.bytes", "5000",
            "log.flush.interval.messages", "10",
            "log.flush.interval.ms", "50",
            "log.segment.delete.delay.ms", "0");

        assertEquals(new LogConfig(1048576, 2 * 3600_000L, 4096, 100, 2000, TimestampType.LOG_APPEND_TIME,
            600_000L, 5000L, 10L, 50L, 0L, "delete"), config.defaultLogConfig());
        assertEquals(1000L, config("log.roll.hours", "2", "log.roll.ms", "1000").defaultLogConfig().segmentMs());
    }

    @Test
    void flushIntervalDefaultsToTheSchedulerInterval() {
        BrokerConfig config = config("log.flush.scheduler.interval.ms", "2000",
            "num.recovery.threads.per.data.dir", "4", "log.flush.offset.checkpoint.interval.ms", "7000");

        assertEquals(2000L, config.defaultLogConfig().flushMs());
        LogManagerConfig manager = config.logManagerConfig();
        assertEquals(2000L, manager.flushCheckMs());
        assertEquals(4, manager.recoveryThreadsPerDataDir());
        assertEquals(7000L, manager.recoveryPointCheckpointMs());
        assertEquals(config.defaultLogConfig(), manager.defaultConfig());
    }

    @Test
    void describeListsEveryKeySorted() {
        String text = config("broker.id", "7").describe();

        assertTrue(text.startsWith("BrokerConfig values:"), text);
        assertTrue(text.contains("\n\tbroker.id = 7\n"), text);
        assertTrue(text.indexOf("auto.create.topics.enable") < text.indexOf("zookeeper.session.timeout.ms"), text);
    }

    @Test
    void effectiveValuesShowEveryKeyAsKafkaDoes() {
        Map<String, String> values = config("log.cleanup.policy", "compact, delete").effectiveValues();

        assertEquals(BrokerConfigKeys.DEFINITION.names(), values.keySet());
        assertEquals("compact,delete", values.get("log.cleanup.policy"));
        assertEquals("1048588", values.get("message.max.bytes"));
        assertNull(values.get("log.retention.ms"));
    }
}
