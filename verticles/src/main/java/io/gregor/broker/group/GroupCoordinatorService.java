package io.gregor.broker.group;

import java.util.Map;

import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.api.Apis;
import io.gregor.broker.config.BrokerConfig;
import io.gregor.broker.bus.LocalCommands;
import io.gregor.broker.network.ApiRegistry;
import io.gregor.coordination.group.GroupCoordinatorConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The broker's entry point to consumer groups: deploys the {@link GroupCoordinatorVerticle},
 * registers the group APIs on each network verticle's registry, and creates
 * {@code __consumer_offsets} on first use.
 */
public final class GroupCoordinatorService {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorService.class);
    /** JoinGroup and SyncGroup wait for the rebalance; the client's request timeout bounds them, not the bus. */
    private static final int DEFAULT_OFFSET_METADATA_MAX_BYTES = 4096;

    private final Vertx vertx;
    private final Apis apis;
    private final int offsetsPartitions;
    private final short offsetsReplicationFactor;
    private final int offsetsSegmentBytes;
    private String deployment;
    private Future<Void> topicCreation;
    private long lastCreationWarningNanos;

    private GroupCoordinatorService(Vertx vertx, Apis apis, int offsetsPartitions, short offsetsReplicationFactor,
                                    int offsetsSegmentBytes) {
        this.vertx = vertx;
        this.apis = apis;
        this.offsetsPartitions = offsetsPartitions;
        this.offsetsReplicationFactor = offsetsReplicationFactor;
        this.offsetsSegmentBytes = offsetsSegmentBytes;
    }

    /** Deploys the coordinator; its existing offsets partitions start loading at once. */
    public static Future<GroupCoordinatorService> start(Vertx vertx, Apis apis, BrokerConfig config) {
        String metadataMax = config.originals().get("offset.metadata.max.bytes");
        GroupCoordinatorConfig groups = new GroupCoordinatorConfig(config.groupMinSessionTimeoutMs(),
            config.groupMaxSessionTimeoutMs(), config.groupMaxSize(), config.groupInitialRebalanceDelayMs(),
            metadataMax == null ? DEFAULT_OFFSET_METADATA_MAX_BYTES : Integer.parseInt(metadataMax.trim()),
            config.offsetsRetentionMs(), GroupCoordinatorConfig.NEW_MEMBER_JOIN_TIMEOUT_MS);
        GroupCoordinatorVerticle.Settings settings = new GroupCoordinatorVerticle.Settings(apis.settings().brokerId(),
            groups, config.offsetsTopicNumPartitions(), config.offsetsRetentionCheckIntervalMs(),
            config.getInt("offsets.load.buffer.size"), config.offsetsCommitTimeoutMs());
        GroupCoordinatorService service = new GroupCoordinatorService(vertx, apis, config.offsetsTopicNumPartitions(),
            config.offsetsTopicReplicationFactor(), config.offsetsTopicSegmentBytes());
        return vertx.deployVerticle(new GroupCoordinatorVerticle(settings, apis.metadata(), apis.shards(), apis.metrics()))
            .map(id -> {
                service.deployment = id;
                return service;
            });
    }

    /** Adds the group APIs, at the versions kafka-clients 3.9 decodes (offset commit/fetch v0 were ZooKeeper's). */
    public ApiRegistry register(ApiRegistry registry) {
        return registry.register(ApiKeys.FIND_COORDINATOR, 0, new FindCoordinatorHandler(apis, this))
            .register(ApiKeys.JOIN_GROUP, 0, new JoinGroupHandler(this))
            .register(ApiKeys.SYNC_GROUP, 0, new SyncGroupHandler(this))
            .register(ApiKeys.HEARTBEAT, 0, new HeartbeatHandler(this))
            .register(ApiKeys.LEAVE_GROUP, 0, new LeaveGroupHandler(this))
            .register(ApiKeys.OFFSET_COMMIT, 1, new OffsetCommitHandler(apis, this))
            .register(ApiKeys.OFFSET_FETCH, 1, new OffsetFetchHandler(this))
            .register(ApiKeys.DESCRIBE_GROUPS, 0, new DescribeGroupsHandler(this))
            .register(ApiKeys.LIST_GROUPS, 0, new ListGroupsHandler(this))
            .register(ApiKeys.DELETE_GROUPS, 0, new DeleteGroupsHandler(this))
            .register(ApiKeys.OFFSET_DELETE, 0, new OffsetDeleteHandler(apis, this));
    }

    /** Runs {@code command} on the coordinator's event loop; the future completes on the caller's context. */
    @SuppressWarnings("unchecked")
    <R> Future<R> call(GroupCommand<R> command) {
        return vertx.eventBus().<Object>request(GroupCoordinatorVerticle.ADDRESS, command, LocalCommands.REQUEST)
            .map(message -> (R) message.body());
    }

    /**
     * Creates {@code __consumer_offsets} (compacted, offsets.topic.* settings) once; then the
     * coordinator loads its partitions. A failure (say, too few brokers for the replication
     * factor) is logged and retried by the next FindCoordinator, as Kafka does.
     */
    synchronized Future<Void> ensureOffsetsTopic() {
        // Called only while the topic is missing from the metadata: a finished creation means it was deleted since.
        if (topicCreation != null && !topicCreation.isComplete())
            return topicCreation;
        Map<String, String> configs = Map.of("cleanup.policy", "compact",
            "segment.bytes", Integer.toString(offsetsSegmentBytes), "compression.type", "producer");
        Promise<Void> created = Promise.promise();
        topicCreation = created.future();
        apis.topics().createTopic(OffsetsTopic.NAME, offsetsPartitions, offsetsReplicationFactor, Map.of(), configs, false)
            .<Void>mapEmpty()
            .recover(e -> e instanceof TopicExistsException ? Future.succeededFuture() : Future.failedFuture(e))
            .compose(v -> call(c -> {
                c.loadLocalPartitions();
                return Future.succeededFuture();
            }))
            .<Void>mapEmpty()
            .onComplete(r -> {
                if (r.failed()) {
                    synchronized (this) {
                        topicCreation = null;
                        // Clients retry FindCoordinator every retry.backoff.ms: say it once a minute.
                        long now = System.nanoTime();
                        if (lastCreationWarningNanos == 0 || now - lastCreationWarningNanos > 60_000_000_000L) {
                            lastCreationWarningNanos = now;
                            log.warn("Could not create {} (FindCoordinator answers COORDINATOR_NOT_AVAILABLE until it "
                                + "exists): {}", OffsetsTopic.NAME, r.cause().getMessage());
                        }
                    }
                }
                created.handle(r);
            });
        return topicCreation;
    }

    /** Leadership of {@code __consumer_offsets} partitions may have moved. */
    public Future<Void> onLeadershipChange() {
        return call(c -> {
            c.syncLeadership();
            return Future.succeededFuture();
        });
    }

    /** Stops the coordinator: parked JoinGroup/SyncGroup requests are answered NOT_COORDINATOR. */
    public Future<Void> close() {
        if (deployment == null)
            return Future.succeededFuture();
        String id = deployment;
        deployment = null;
        return vertx.undeploy(id);
    }
}
