package io.gregor.broker;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.api.AlterConfigsHandler;
import io.gregor.broker.api.ApiVersionsHandler;
import io.gregor.broker.api.Apis;
import io.gregor.broker.api.BrokerSettings;
import io.gregor.broker.api.CreatePartitionsHandler;
import io.gregor.broker.api.CreateTopicsHandler;
import io.gregor.broker.api.DeleteRecordsHandler;
import io.gregor.broker.api.DeleteTopicsHandler;
import io.gregor.broker.api.DescribeClusterHandler;
import io.gregor.broker.api.DescribeConfigsHandler;
import io.gregor.broker.api.DescribeLogDirsHandler;
import io.gregor.broker.api.ElectLeadersHandler;
import io.gregor.broker.api.FetchHandler;
import io.gregor.broker.api.IncrementalAlterConfigsHandler;
import io.gregor.broker.api.InitProducerIdHandler;
import io.gregor.broker.api.ListOffsetsHandler;
import io.gregor.broker.api.MetadataHandler;
import io.gregor.broker.api.OffsetForLeaderEpochHandler;
import io.gregor.broker.api.ProduceHandler;
import io.gregor.broker.bus.LocalCodec;
import io.gregor.broker.cluster.EventBusMetadataNotifier;
import io.gregor.broker.cluster.MetadataNotifier;
import io.gregor.broker.cluster.ReplicaFetchServer;
import io.gregor.broker.cluster.ReplicaFetcherVerticle;
import io.gregor.broker.cluster.ReplicaManager;
import io.gregor.broker.cluster.ZkIsrWriter;
import io.gregor.broker.controller.ControllerVerticle;
import io.gregor.broker.config.BrokerConfig;
import io.gregor.broker.config.Listener;
import io.gregor.broker.config.ZookeeperConnect;
import io.gregor.broker.group.GroupCoordinatorService;
import io.gregor.broker.log.LogShard;
import io.gregor.broker.log.LogShards;
import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataCache;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.metadata.TopicConfigs;
import io.gregor.broker.metadata.ZkTopicManager;
import io.gregor.broker.network.ApiRegistry;
import io.gregor.broker.network.NetworkVerticle;
import io.gregor.broker.producer.ProducerIdManager;
import io.gregor.coordination.zk.BrokerRegistration;
import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.GregorMetricsOptions;
import io.gregor.metrics.MetricsServer;
import io.gregor.coordination.zk.EmbeddedZooKeeper;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.gregor.storage.log.LogConfig;
import io.gregor.storage.log.LogManager;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.zookeeper.ZookeeperClusterManager;

/**
 * One Gregor broker: ZooKeeper (embedded or not), the clustered Vert.x node, the log manager,
 * the log shards and the network verticles, started in that order and stopped in reverse.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    private static final long START_TIMEOUT_S = 120;
    private static final long UNREACHABLE_STEP_TIMEOUT_S = 5;
    /** Below Linux's default ephemeral port range (32768-60999). */
    private static final int FREE_PORT_LOW = 20000, FREE_PORT_HIGH = 32768;

    private final BrokerConfig config;
    private EmbeddedZooKeeper embeddedZooKeeper;
    private ZkMetadataStore store;
    private Vertx vertx;
    private LogManager logManager;
    private final List<String> shardDeployments = new ArrayList<>();
    private String networkDeployment;
    private String controllerDeployment;
    private volatile GroupCoordinatorService groupCoordinator;
    private ZkMetadataStore.Watch brokerWatch;
    private MetadataCache cache;
    private ReplicaManager replicaManager;
    private String replicaManagerDeployment;
    private String replicaFetchServerDeployment;
    private int brokerId;
    private Listener listener;
    private boolean closed;
    private long shutdownStepTimeoutS = START_TIMEOUT_S;
    private final BrokerMetrics metrics = BrokerMetrics.create();
    private volatile int brokerState = BrokerGauges.STARTING;
    private MetricsServer metricsServer;

    private Broker(BrokerConfig config) {
        this.config = config;
    }

    /** Starts a broker and returns once it serves clients; a failure stops whatever had started. */
    public static Broker start(BrokerConfig config) throws Exception {
        Broker broker = new Broker(config);
        try {
            broker.startup();
            return broker;
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    public int brokerId() {
        return brokerId;
    }

    /** The client listener as bound (a configured port 0 is replaced by the port chosen). */
    public Listener listener() {
        return listener;
    }

    public Vertx vertx() {
        return vertx;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    /** The Prometheus endpoint's port as bound (metrics.listener port 0 picks one). */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }

    private void startup() throws Exception {
        long started = System.nanoTime();
        ZookeeperConnect zookeeper = connectZooKeeper();
        store = ZkMetadataStore.connect(zookeeper.connectString(), config.zookeeperSessionTimeoutMs(),
            config.zookeeperConnectionTimeoutMs());
        store.ensurePersistentPaths();
        String clusterId = store.getOrCreateClusterId();
        brokerId = resolveBrokerId();
        BrokerMetaProperties.checkAndWrite(config.logDirs(), brokerId, clusterId);
        listener = bindableListener(config.listeners().get(0));
        vertx = startVertx(zookeeper);
        vertx.eventBus().registerCodec(new LocalCodec());
        // First, so a starting (or recovering) broker can already be watched.
        metricsServer = new MetricsServer(metrics, config.metricsListener().bindHost(), config.metricsListener().port());
        await(vertx.deployVerticle(metricsServer));

        Map<String, String> brokerConfigs = config.effectiveValues();
        TopicConfigs topicConfigs = new TopicConfigs(brokerConfigs);
        LogConfig brokerLogConfig = config.defaultLogConfig();
        Map<String, Map<String, String>> overrides = topicOverrides();
        logManager = new LogManager(config.logManagerConfig(),
            topic -> topicConfigs.logConfig(brokerLogConfig, overrides.getOrDefault(topic, Map.of())),
            Time.SYSTEM, (dir, reason) -> log.error("Log directory {} went offline: {}", dir, reason));
        logManager.startup();

        int shards = config.numIoThreads();
        ZkIsrWriter isrWriter = new ZkIsrWriter(vertx, store);
        LogShard.Settings shardSettings = new LogShard.Settings(brokerId, config.logRetentionCheckIntervalMs(),
            config.getLong("replica.lag.time.max.ms"));
        for (int i = 0; i < shards; i++)
            shardDeployments.add(await(vertx.deployVerticle(new LogShard(i, logManager, shardSettings, isrWriter, metrics))));
        LogShards logShards = new LogShards(vertx.eventBus(), shards);

        Listener advertised = advertisedListener();
        BrokerEndpoint self = new BrokerEndpoint(brokerId, advertised.host(), advertised.port(), null);
        cache = new MetadataCache(new MetadataImage(clusterId, -1, List.of(self), Map.of()));
        brokerWatch = store.watchBrokers(brokers -> cache.update(m -> m.withBrokers(endpoints(brokers, self))));
        replicaManager = new ReplicaManager(brokerId, store, cache, logShards, topicConfigs, brokerLogConfig,
            fetcherSettings(), this::onLeadershipChange);
        replicaManagerDeployment = await(vertx.deployVerticle(replicaManager));
        replicaFetchServerDeployment = await(vertx.deployVerticle(new ReplicaFetchServer(brokerId, logShards, logManager)));
        MetadataNotifier notifier = new EventBusMetadataNotifier(vertx, cache, brokerId, replicaManager);
        isrWriter.notifier(notifier);
        await(replicaManager.reloadAll());
        ZkTopicManager topics = new ZkTopicManager(vertx, store, cache, notifier, brokerLogConfig, brokerId,
            config.deleteTopicEnable());
        BrokerGauges.register(metrics, cache, brokerId, config.minInsyncReplicas(), () -> brokerState);

        BrokerSettings settings = new BrokerSettings(brokerId, config.autoCreateTopicsEnable(), config.numPartitions(),
            (short) config.defaultReplicationFactor(), config.deleteTopicEnable(), config.fetchMaxBytes(),
            brokerConfigs, config.originals().keySet(), brokerConfigs);
        Apis apis = new Apis(vertx, settings, cache, logShards, topics, metrics);
        ProducerIdManager producerIds = new ProducerIdManager(vertx, store.client(), brokerId);
        groupCoordinator = await(GroupCoordinatorService.start(vertx, apis, config));
        NetworkVerticle.Settings network = new NetworkVerticle.Settings(listener.bindHost(), listener.port(),
            config.socketSendBufferBytes(), config.socketReceiveBufferBytes(), config.socketRequestMaxBytes(),
            () -> groupCoordinator.register(apiRegistry(apis, producerIds)), metrics);
        networkDeployment = await(vertx.deployVerticle(() -> new NetworkVerticle(network),
            new DeploymentOptions().setInstances(config.numNetworkThreads())));

        store.registerBroker(new BrokerRegistration(brokerId, advertised.host(), advertised.port()));
        // After registering, as Kafka does: a controller that does not see this broker live would take its partitions offline.
        controllerDeployment = await(vertx.deployVerticle(new ControllerVerticle(store, brokerId,
            config.uncleanLeaderElectionEnable(), ControllerVerticle.LeaderRebalance.of(config), notifier,
            controllerId -> cache.update(m -> m.withController(controllerId)))));
        brokerState = BrokerGauges.RUNNING;
        log.info("[Gregor id={}] started in {} ms, listening on {}", brokerId,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), advertised);
    }

    /** The live brokers as registered in ZooKeeper, and this one while it is not registered yet. */
    private static List<BrokerEndpoint> endpoints(List<BrokerRegistration> brokers, BrokerEndpoint self) {
        List<BrokerEndpoint> endpoints = new ArrayList<>();
        brokers.forEach(b -> endpoints.add(new BrokerEndpoint(b.id(), b.host(), b.port(), b.rack())));
        if (brokers.stream().noneMatch(b -> b.id() == self.id()))
            endpoints.add(self);
        endpoints.sort(Comparator.comparingInt(BrokerEndpoint::id));
        return endpoints;
    }

    private ReplicaFetcherVerticle.Settings fetcherSettings() {
        return new ReplicaFetcherVerticle.Settings(brokerId, config.getInt("replica.fetch.wait.max.ms"),
            config.getInt("replica.fetch.min.bytes"), config.getInt("replica.fetch.response.max.bytes"),
            config.getInt("replica.fetch.max.bytes"), config.getInt("replica.fetch.backoff.ms"));
    }

    /** The group coordinator follows the leadership of {@code __consumer_offsets}. */
    private void onLeadershipChange(Set<String> topics) {
        GroupCoordinatorService coordinator = groupCoordinator;
        if (coordinator != null && topics.contains(Topic.GROUP_METADATA_TOPIC_NAME))
            coordinator.onLeadershipChange();
    }

    private ApiRegistry apiRegistry(Apis apis, ProducerIdManager producerIds) {
        ApiRegistry registry = new ApiRegistry();
        registry.register(ApiKeys.API_VERSIONS, 0, new ApiVersionsHandler(registry::apiVersions))
            .register(ApiKeys.METADATA, 0, new MetadataHandler(apis))
            .registerAdvertisingOldest(ApiKeys.PRODUCE, 3, new ProduceHandler(apis))
            .register(ApiKeys.FETCH, 4, new FetchHandler(apis))
            .register(ApiKeys.LIST_OFFSETS, 1, new ListOffsetsHandler(apis))
            .register(ApiKeys.CREATE_TOPICS, 0, new CreateTopicsHandler(apis))
            .register(ApiKeys.DELETE_TOPICS, 0, new DeleteTopicsHandler(apis))
            .register(ApiKeys.CREATE_PARTITIONS, 0, new CreatePartitionsHandler(apis))
            .register(ApiKeys.DESCRIBE_CONFIGS, 0, new DescribeConfigsHandler(apis))
            .register(ApiKeys.ALTER_CONFIGS, 0, new AlterConfigsHandler(apis))
            .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, new IncrementalAlterConfigsHandler(apis))
            .register(ApiKeys.DESCRIBE_CLUSTER, 0, new DescribeClusterHandler(apis))
            .register(ApiKeys.DELETE_RECORDS, 0, new DeleteRecordsHandler(apis))
            .register(ApiKeys.ELECT_LEADERS, 0, new ElectLeadersHandler(apis))
            .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 0, new OffsetForLeaderEpochHandler(apis))
            .register(ApiKeys.DESCRIBE_LOG_DIRS, 0, new DescribeLogDirsHandler(apis, logManager))
            .register(ApiKeys.INIT_PRODUCER_ID, 0, new InitProducerIdHandler(producerIds));
        return registry;
    }

    private ZookeeperConnect connectZooKeeper() throws IOException {
        if (config.zookeeperConnect().isPresent())
            return config.zookeeperConnect().get();
        embeddedZooKeeper = EmbeddedZooKeeper.start(config.zookeeperEmbeddedDataDir(), config.zookeeperEmbeddedPort());
        log.info("Started the embedded ZooKeeper on {}", embeddedZooKeeper.connectString());
        return new ZookeeperConnect(embeddedZooKeeper.connectString(), "/");
    }

    /** {@code broker.id=-1}: the id this broker had before (meta.properties), or a new one from ZooKeeper as Kafka does. */
    private int resolveBrokerId() throws Exception {
        if (config.brokerId() >= 0)
            return config.brokerId();
        int recorded = BrokerMetaProperties.recordedBrokerId(config.logDirs());
        if (recorded >= 0)
            return recorded;
        int generated = store.client().setData().forPath("/brokers/seqid", new byte[0]).getVersion() + 1000;
        log.info("Generated broker id {} (broker.id was -1)", generated);
        return generated;
    }

    /**
     * Port 0 means "any free port": picked once here so every network verticle and ZooKeeper agree
     * on it. It is picked below the ephemeral range (where the kernel takes the local ports of
     * outgoing connections and of other port-0 binds), so that nothing can take it between this
     * probe and the network verticles' bind.
     */
    private static Listener bindableListener(Listener configured) throws IOException {
        if (configured.port() != 0)
            return configured;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FREE_PORT_LOW, FREE_PORT_HIGH);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(configured.bindHost(), port));
                return new Listener(configured.name(), configured.host(), port);
            } catch (BindException taken) {
                // try another
            }
        }
        throw new BindException("No free port between " + FREE_PORT_LOW + " and " + FREE_PORT_HIGH + " on "
            + configured.bindHost());
    }

    private Listener advertisedListener() {
        Listener advertised = config.advertisedListeners().get(0);
        return advertised.port() == 0 ? new Listener(advertised.name(), advertised.host(), listener.port()) : advertised;
    }

    /**
     * Joins the Vert.x cluster through ZooKeeper. Its znodes live beside Kafka's under the chroot,
     * in their own folder; the hosts go without the chroot, which Curator applies as a namespace.
     */
    private Vertx startVertx(ZookeeperConnect zookeeper) throws Exception {
        String chroot = zookeeper.chroot().equals("/") ? "" : zookeeper.chroot().substring(1) + "/";
        JsonObject zk = new JsonObject()
            .put("zookeeperHosts", zookeeper.hosts())
            .put("rootPath", chroot + "gregor-vertx")
            .put("sessionTimeout", config.zookeeperSessionTimeoutMs())
            .put("connectTimeout", config.zookeeperConnectionTimeoutMs())
            .put("retry", new JsonObject().put("policy", "exponential_backoff").put("initialSleepTime", 100)
                .put("intervalTimes", 2000).put("maxTimes", 5));
        String host = config.clusterListenerHost();
        EventBusOptions eventBus = new EventBusOptions().setHost(host).setPort(config.clusterListenerPort())
            .setClusterPublicHost(host);
        // Vert.x's own meters (event bus, the listener, pools) go to this broker's registry, under a
        // registry name of its own: several brokers may share a JVM (tests).
        VertxOptions options = new VertxOptions().setEventBusOptions(eventBus)
            .setMetricsOptions(GregorMetricsOptions.create(metrics.registry(), "gregor-broker-" + brokerId + "-" + UUID.randomUUID()));
        return await(Vertx.builder().with(options).withMetrics(GregorMetricsOptions.factory(metrics.registry()))
            .withClusterManager(new ZookeeperClusterManager(zk)).buildClustered());
    }

    private Map<String, Map<String, String>> topicOverrides() {
        Map<String, Map<String, String>> overrides = new HashMap<>();
        for (TopicAssignment topic : store.topics().values())
            overrides.put(topic.topic(), store.topicConfigs(topic.topic()));
        return overrides;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_S, TimeUnit.SECONDS);
    }

    private <T> T awaitStep(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(shutdownStepTimeoutS, TimeUnit.SECONDS);
    }

    /**
     * Controlled shutdown: leave the cluster while still serving, so the controller moves
     * leadership to other in-sync replicas and clients follow it; then stop accepting clients,
     * stop the shards, and flush and close every log cleanly so the next start needs no recovery.
     */
    @Override
    public synchronized void close() {
        if (closed)
            return;
        closed = true;
        long started = System.nanoTime();
        brokerState = BrokerGauges.PENDING_CONTROLLED_SHUTDOWN;
        // Resign first: the next controller moves leadership off this broker, and a lone broker keeps
        // leading its partitions instead of taking them offline on its way out.
        if (controllerDeployment != null)
            quietly("stopping the controller", () -> awaitStep(vertx.undeploy(controllerDeployment)));
        boolean zooKeeperReachable = store != null && store.isConnected();
        // Undeploying a verticle with a clustered consumer, and leaving the Vert.x cluster, wait
        // for ZooKeeper: without it, each step gets a short bound instead of the start-up timeout.
        shutdownStepTimeoutS = store == null || zooKeeperReachable ? START_TIMEOUT_S : UNREACHABLE_STEP_TIMEOUT_S;
        if (store != null && !zooKeeperReachable)
            log.warn("ZooKeeper is unreachable: shutting down without leaving the cluster first (the session expires)");
        if (zooKeeperReachable)
            quietly("unregistering from ZooKeeper", () -> store.unregisterBroker(brokerId));
        if (zooKeeperReachable && cache != null && config.getBoolean("controlled.shutdown.enable"))
            quietly("moving leadership away", this::awaitLeadershipMoved);
        if (networkDeployment != null)
            quietly("stopping the network", () -> awaitStep(vertx.undeploy(networkDeployment)));
        if (groupCoordinator != null)
            quietly("stopping the group coordinator", () -> awaitStep(groupCoordinator.close()));
        if (brokerWatch != null)
            quietly("closing the broker watch", () -> brokerWatch.close());
        if (replicaManagerDeployment != null)
            quietly("stopping the replica fetchers", () -> awaitStep(vertx.undeploy(replicaManagerDeployment)));
        if (replicaFetchServerDeployment != null)
            quietly("stopping serving followers", () -> awaitStep(vertx.undeploy(replicaFetchServerDeployment)));
        for (String shard : shardDeployments)
            quietly("stopping a log shard", () -> awaitStep(vertx.undeploy(shard)));
        brokerState = BrokerGauges.SHUTTING_DOWN;
        if (logManager != null)
            quietly("closing the logs", () -> logManager.close());
        if (vertx != null)
            quietly("leaving the cluster", () -> awaitStep(vertx.close()));
        if (store != null)
            quietly("closing the ZooKeeper client", () -> store.close());
        if (embeddedZooKeeper != null)
            quietly("stopping the embedded ZooKeeper", () -> embeddedZooKeeper.close());
        metrics.close();
        log.info("[Gregor id={}] shut down in {} ms", brokerId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /**
     * Waits until this broker leads no partition that another live broker could lead (one with
     * another live in-sync replica): the controller reacts to this broker leaving
     * {@code /brokers/ids}, but no longer notifies it, so it re-reads those topics itself. At most
     * what Kafka's controlled shutdown retries would take.
     */
    private void awaitLeadershipMoved() throws Exception {
        long timeoutMs = config.getInt("controlled.shutdown.max.retries")
            * config.getLong("controlled.shutdown.retry.backoff.ms");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Set<String> topics;
        while (!(topics = topicsWithMovableLeadership(cache.image())).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            await(replicaManager.reload(topics));
        }
        if (!topics.isEmpty())
            log.warn("Shutting down while still leading partitions of {} that have other in-sync replicas", topics);
    }

    private Set<String> topicsWithMovableLeadership(MetadataImage image) {
        Set<Integer> others = new HashSet<>();
        image.brokers().forEach(b -> others.add(b.id()));
        others.remove(brokerId);
        Set<String> topics = new HashSet<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionImage p : topic.partitions()) {
                if (p.leader() == brokerId && p.isr().stream().anyMatch(others::contains))
                    topics.add(topic.name());
            }
        }
        return topics;
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("Error while {}: {}", what, e.toString());
        }
    }
}
