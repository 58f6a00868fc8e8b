package io.gregor.broker.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.log.LogConfig;
import io.gregor.storage.log.LogManagerConfig;

/**
 * The broker's configuration: Kafka's keys and defaults ({@link BrokerConfigKeys}), read from an
 * optional properties file and overridden by {@code GREGOR_*} environment variables. Immutable;
 * every value is parsed and checked at construction, so a bad value stops the broker before it
 * binds anything, with a {@link ConfigException} naming the key.
 */
public final class BrokerConfig {

    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    public static final String ENV_PREFIX = "GREGOR_";

    private static final long MINUTE_MS = 60_000L;
    private static final long HOUR_MS = 60 * MINUTE_MS;
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Za-z:.%]+]|[^\\[\\]:/]+)(?::(\\d{1,5}))?");

    private final Map<String, String> originals;
    private final Map<String, Object> values;
    private final List<String> unknownKeys;
    private final List<Listener> listeners;
    private final List<Listener> advertisedListeners;
    private final List<Path> logDirs;
    private final ZookeeperConnect zookeeperConnect;
    private final Listener metricsListener;
    private final String clusterListenerHost;
    private final int clusterListenerPort;
    private final LogConfig defaultLogConfig;

    /**
     * Parses supplied values (key to string value); keys not known are kept, warned about and
     * otherwise ignored.
     *
     * @throws ConfigException naming the first key whose value is invalid
     */
    public BrokerConfig(Map<String, String> supplied) {
        originals = Collections.unmodifiableMap(new TreeMap<>(supplied));
        values = BrokerConfigKeys.DEFINITION.parse(originals);
        unknownKeys = originals.keySet().stream().filter(k -> !values.containsKey(k)).toList();
        for (String key : unknownKeys)
            log.warn("The configuration '{}' was supplied but isn't a known config.", key);

        Map<String, String> protocols = securityProtocols();
        listeners = plaintext("listeners", getString("listeners"), protocols);
        checkDistinctPorts(listeners);
        advertisedListeners = advertised(protocols);
        logDirs = parseLogDirs();
        String zk = getString("zookeeper.connect");
        zookeeperConnect = zk == null || zk.isEmpty() || zk.equalsIgnoreCase(ZookeeperConnect.EMBEDDED)
            ? null : ZookeeperConnect.parse("zookeeper.connect", zk);
        metricsListener = Listener.parse("metrics.listener", getString("metrics.listener"));
        if (!metricsListener.name().equals("HTTP"))
            throw new ConfigException("metrics.listener", getString("metrics.listener"), "expected http://host:port");

        String cluster = getString("cluster.listener");
        if (cluster == null || cluster.isEmpty()) {
            clusterListenerHost = advertisedListeners.get(0).host();
            clusterListenerPort = 0;
        } else {
            Matcher m = HOST_PORT.matcher(cluster);
            int port = !m.matches() ? -1 : m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            if (port < 0 || port > 65535)
                throw new ConfigException("cluster.listener", cluster, "expected host[:port]");
            clusterListenerHost = m.group(1).replace("[", "").replace("]", "");
            clusterListenerPort = port;
        }
        defaultLogConfig = logConfig();
    }

    /**
     * Reads {@code file} (if not null) and overlays the {@code GREGOR_*} entries of {@code env}:
     * {@code GREGOR_LOG_DIRS} sets {@code log.dirs}. A {@code GREGOR_*} variable that matches no
     * key is reported under its own name as an unknown key.
     */
    public static BrokerConfig load(Path file, Map<String, String> env) {
        Map<String, String> supplied = new HashMap<>();
        if (file != null)
            supplied.putAll(readProperties(file));
        Map<String, String> keyByEnvName = new HashMap<>();
        for (String key : BrokerConfigKeys.DEFINITION.names())
            keyByEnvName.put(envName(key), key);
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX))
                supplied.put(keyByEnvName.getOrDefault(name, name), value);
        });
        return new BrokerConfig(supplied);
    }

    /** The environment variable that overrides {@code key}: {@code log.dirs} -> {@code GREGOR_LOG_DIRS}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static Map<String, String> readProperties(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new ConfigException("Cannot read configuration file " + file + ": " + e);
        }
        Map<String, String> map = new HashMap<>();
        for (String key : props.stringPropertyNames())
            map.put(key, props.getProperty(key));
        return map;
    }

    // ---- derived values, checked at construction

    private Map<String, String> securityProtocols() {
        String value = getString("listener.security.protocol.map");
        Map<String, String> protocols = new HashMap<>();
        for (String entry : value.split(",")) {
            String[] nameAndProtocol = entry.trim().split(":");
            if (nameAndProtocol.length != 2 || nameAndProtocol[0].isBlank() || nameAndProtocol[1].isBlank())
                throw new ConfigException("listener.security.protocol.map", value, "expected NAME:PROTOCOL[,NAME:PROTOCOL...]");
            protocols.put(nameAndProtocol[0].trim().toUpperCase(Locale.ROOT),
                nameAndProtocol[1].trim().toUpperCase(Locale.ROOT));
        }
        return protocols;
    }

    private static List<Listener> plaintext(String key, String value, Map<String, String> protocols) {
        List<Listener> parsed = Listener.parseList(key, value);
        for (Listener listener : parsed) {
            String protocol = protocols.get(listener.name());
            if (protocol == null)
                throw new ConfigException(key, value, "listener.security.protocol.map has no protocol for " + listener.name());
            if (!protocol.equals("PLAINTEXT"))
                throw new ConfigException(key, value, "listener " + listener.name() + " uses " + protocol + "; Gregor serves PLAINTEXT only");
        }
        return parsed;
    }

    private static void checkDistinctPorts(List<Listener> listeners) {
        List<Integer> ports = listeners.stream().map(Listener::port).filter(p -> p != 0).toList();
        if (ports.stream().distinct().count() != ports.size())
            throw new ConfigException("listeners", listeners.toString(), "each listener must have a different port");
    }

    /** As Kafka: an unset or empty advertised host becomes this machine's canonical host name. */
    private List<Listener> advertised(Map<String, String> protocols) {
        String value = getString("advertised.listeners");
        List<Listener> given = listeners;
        if (value != null && !value.isEmpty()) {
            given = plaintext("advertised.listeners", value, protocols);
            for (Listener listener : given) {
                if (listeners.stream().noneMatch(l -> l.name().equals(listener.name())))
                    throw new ConfigException("advertised.listeners", value, listener.name() + " is not in listeners");
                if (!listener.host().isEmpty() && listener.wildcardHost())
                    throw new ConfigException("advertised.listeners", value, "cannot advertise the meta-address " + listener.host());
            }
        }
        List<Listener> resolved = new ArrayList<>();
        for (Listener listener : given) {
            resolved.add(listener.wildcardHost()
                ? new Listener(listener.name(), localHostName(), listener.port()) : listener);
        }
        return List.copyOf(resolved);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            throw new ConfigException("advertised.listeners", null,
                "not set and the local host name does not resolve (" + e.getMessage() + "); set it");
        }
    }

    private List<Path> parseLogDirs() {
        String dirs = getString("log.dirs");
        if (dirs == null)
            dirs = getString("log.dir");
        List<Path> paths = Arrays.stream(dirs.split(",")).map(String::trim).filter(d -> !d.isEmpty()).map(Path::of).toList();
        if (paths.isEmpty())
            throw new ConfigException("log.dirs", dirs, "at least one log directory is required");
        return paths;
    }

    private LogConfig logConfig() {
        Long flushMs = (Long) values.get("log.flush.interval.ms");
        return new LogConfig(
            getInt("log.segment.bytes"),
            logRollMs(),
            getInt("log.index.size.max.bytes"),
            getInt("log.index.interval.bytes"),
            getInt("message.max.bytes"),
            TimestampType.forName(getString("log.message.timestamp.type")),
            logRetentionMs(),
            getLong("log.retention.bytes"),
            getLong("log.flush.interval.messages"),
            flushMs != null ? flushMs : getLong("log.flush.scheduler.interval.ms"),
            getLong("log.segment.delete.delay.ms"),
            String.join(",", getList("log.cleanup.policy")));
    }

    /** Kafka's precedence ms > minutes > hours; any negative result means no time limit. */
    private long logRetentionMs() {
        Long ms = (Long) values.get("log.retention.ms");
        Integer minutes = (Integer) values.get("log.retention.minutes");
        long millis = ms != null ? ms
            : minutes != null ? minutes * MINUTE_MS
            : getInt("log.retention.hours") * HOUR_MS;
        return millis < 0 ? -1 : millis;
    }

    private long logRollMs() {
        Long ms = (Long) values.get("log.roll.ms");
        return ms != null ? ms : getInt("log.roll.hours") * HOUR_MS;
    }

    // ---- typed access

    /** Every key as supplied (file, then environment), sorted, including unknown ones. */
    public Map<String, String> originals() {
        return originals;
    }

    /** Supplied keys (or {@code GREGOR_*} variable names) that name no known configuration. */
    public List<String> unknownKeys() {
        return unknownKeys;
    }

    /**
     * Every known key with its effective value as Kafka shows it (lists comma-separated), sorted;
     * null for a key with no default that was not supplied. What DescribeConfigs reports.
     */
    public Map<String, String> effectiveValues() {
        Map<String, String> effective = new TreeMap<>();
        values.forEach((key, value) -> effective.put(key, value instanceof List<?> list
            ? String.join(",", list.stream().map(String::valueOf).toList())
            : value == null ? null : String.valueOf(value)));
        return Collections.unmodifiableMap(effective);
    }

    /** Every known key with its effective value, sorted, for the startup log. */
    public String describe() {
        StringBuilder sb = new StringBuilder("BrokerConfig values:");
        effectiveValues().forEach((key, value) -> sb.append("\n\t").append(key).append(" = ").append(value));
        return sb.toString();
    }

    public int getInt(String key) {
        return value(key, Integer.class);
    }

    public short getShort(String key) {
        return value(key, Short.class);
    }

    public long getLong(String key) {
        return value(key, Long.class);
    }

    public boolean getBoolean(String key) {
        return value(key, Boolean.class);
    }

    /** Null when the key has no default and was not supplied. */
    public String getString(String key) {
        return value(key, String.class);
    }

    /** Null when the key has no default and was not supplied. */
    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return value(key, List.class);
    }

    private <T> T value(String key, Class<T> type) {
        if (!values.containsKey(key))
            throw new IllegalArgumentException("Unknown configuration " + key);
        return type.cast(values.get(key));
    }

    public int brokerId() {
        return getInt("broker.id");
    }

    /** What to bind, in configuration order; a host may be empty (all interfaces), a port 0 (any free port). */
    public List<Listener> listeners() {
        return listeners;
    }

    /**
     * What to publish to clients; never a wildcard host. A port 0 stands for whatever port the
     * listener of the same name bound.
     */
    public List<Listener> advertisedListeners() {
        return advertisedListeners;
    }

    /** {@code log.dirs}, else {@code log.dir}; relative paths are relative to the working directory. */
    public List<Path> logDirs() {
        return logDirs;
    }

    /** The external ensemble, or empty when the broker runs its own ZooKeeper. */
    public Optional<ZookeeperConnect> zookeeperConnect() {
        return Optional.ofNullable(zookeeperConnect);
    }

    public int zookeeperEmbeddedPort() {
        return getInt("zookeeper.embedded.port");
    }

    public Path zookeeperEmbeddedDataDir() {
        return Path.of(getString("zookeeper.embedded.data.dir"));
    }

    public int zookeeperSessionTimeoutMs() {
        return getInt("zookeeper.session.timeout.ms");
    }

    /** Defaults to the session timeout, as in Kafka. */
    public int zookeeperConnectionTimeoutMs() {
        Integer ms = (Integer) values.get("zookeeper.connection.timeout.ms");
        return ms != null ? ms : zookeeperSessionTimeoutMs();
    }

    public int numNetworkThreads() {
        return getInt("num.network.threads");
    }

    public int numIoThreads() {
        return getInt("num.io.threads");
    }

    public int numReplicaFetchers() {
        return getInt("num.replica.fetchers");
    }

    public int queuedMaxRequests() {
        return getInt("queued.max.requests");
    }

    public int socketSendBufferBytes() {
        return getInt("socket.send.buffer.bytes");
    }

    public int socketReceiveBufferBytes() {
        return getInt("socket.receive.buffer.bytes");
    }

    public int socketRequestMaxBytes() {
        return getInt("socket.request.max.bytes");
    }

    public long connectionsMaxIdleMs() {
        return getLong("connections.max.idle.ms");
    }

    public int requestTimeoutMs() {
        return getInt("request.timeout.ms");
    }

    public int numPartitions() {
        return getInt("num.partitions");
    }

    public int defaultReplicationFactor() {
        return getInt("default.replication.factor");
    }

    public boolean autoCreateTopicsEnable() {
        return getBoolean("auto.create.topics.enable");
    }

    public boolean deleteTopicEnable() {
        return getBoolean("delete.topic.enable");
    }

    public int messageMaxBytes() {
        return getInt("message.max.bytes");
    }

    public int fetchMaxBytes() {
        return getInt("fetch.max.bytes");
    }

    public int minInsyncReplicas() {
        return getInt("min.insync.replicas");
    }

    public boolean uncleanLeaderElectionEnable() {
        return getBoolean("unclean.leader.election.enable");
    }

    public boolean autoLeaderRebalanceEnable() {
        return getBoolean("auto.leader.rebalance.enable");
    }

    public boolean controlledShutdownEnable() {
        return getBoolean("controlled.shutdown.enable");
    }

    public long replicaLagTimeMaxMs() {
        return getLong("replica.lag.time.max.ms");
    }

    public int groupInitialRebalanceDelayMs() {
        return getInt("group.initial.rebalance.delay.ms");
    }

    public int groupMinSessionTimeoutMs() {
        return getInt("group.min.session.timeout.ms");
    }

    public int groupMaxSessionTimeoutMs() {
        return getInt("group.max.session.timeout.ms");
    }

    public int groupMaxSize() {
        return getInt("group.max.size");
    }

    public int offsetsTopicNumPartitions() {
        return getInt("offsets.topic.num.partitions");
    }

    public short offsetsTopicReplicationFactor() {
        return getShort("offsets.topic.replication.factor");
    }

    public int offsetsTopicSegmentBytes() {
        return getInt("offsets.topic.segment.bytes");
    }

    public long offsetsRetentionMs() {
        return getInt("offsets.retention.minutes") * MINUTE_MS;
    }

    public long offsetsRetentionCheckIntervalMs() {
        return getLong("offsets.retention.check.interval.ms");
    }

    public int offsetsCommitTimeoutMs() {
        return getInt("offsets.commit.timeout.ms");
    }

    public long logRetentionCheckIntervalMs() {
        return getLong("log.retention.check.interval.ms");
    }

    /** {@code log.roll.jitter.ms}, else {@code log.roll.jitter.hours}. */
    public long logRollJitterMs() {
        Long ms = (Long) values.get("log.roll.jitter.ms");
        return ms != null ? ms : getInt("log.roll.jitter.hours") * HOUR_MS;
    }

    public List<String> logCleanupPolicy() {
        return getList("log.cleanup.policy");
    }

    /** The Prometheus endpoint; an empty host binds all interfaces. */
    public Listener metricsListener() {
        return metricsListener;
    }

    /** Host the clustered event bus binds and advertises to other brokers. */
    public String clusterListenerHost() {
        return clusterListenerHost;
    }

    /** Port of the clustered event bus; 0 = any free port. */
    public int clusterListenerPort() {
        return clusterListenerPort;
    }

    /** The broker's {@code log.*} settings as the topic-level defaults every log starts from. */
    public LogConfig defaultLogConfig() {
        return defaultLogConfig;
    }

    public LogManagerConfig logManagerConfig() {
        return new LogManagerConfig(
            logDirs,
            defaultLogConfig,
            getInt("num.recovery.threads.per.data.dir"),
            getLong("log.flush.scheduler.interval.ms"),
            getInt("log.flush.offset.checkpoint.interval.ms"),
            getInt("log.flush.start.offset.checkpoint.interval.ms"),
            getLong("replica.high.watermark.checkpoint.interval.ms"));
    }
}
