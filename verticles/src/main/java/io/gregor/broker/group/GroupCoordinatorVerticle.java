package io.gregor.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.bus.LocalCommands;
import io.gregor.broker.log.AppendCommand;
import io.gregor.broker.log.LogShards;
import io.gregor.broker.metadata.MetadataCache;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.coordination.group.GroupCoordinator;
import io.gregor.coordination.group.GroupCoordinator.PartitionStatus;
import io.gregor.coordination.group.GroupCoordinatorConfig;
import io.gregor.coordination.group.GroupError;
import io.gregor.coordination.group.GroupRecord;
import io.gregor.coordination.group.GroupRecord.Loaded;
import io.gregor.coordination.group.GroupScheduler;
import io.gregor.metrics.BrokerMetrics;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The group coordinator of this broker: one instance, one event loop. It owns the
 * {@link GroupCoordinator} state machine for the {@code __consumer_offsets} partitions this
 * broker leads, drives its timers with Vert.x timers, writes its records through the log shards
 * and loads a partition (answering COORDINATOR_LOAD_IN_PROGRESS meanwhile) when it starts leading
 * it: at start-up, when the topic is created, or on the first request for one of its groups.
 * It also feeds its groups' lag to the broker's {@code kafka_consumergroup_*} gauges.
 */
public final class GroupCoordinatorVerticle extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorVerticle.class);
    static final String ADDRESS = "gregor.group.coordinator";
    private static final long LOAD_RETRY_MS = 1000;

    /** What the verticle needs from the broker. */
    record Settings(int brokerId, GroupCoordinatorConfig config, int configuredPartitions, long retentionCheckIntervalMs,
                    int loadBufferBytes, long commitTimeoutMs) {
    }

    private final Settings settings;
    private final MetadataCache metadata;
    private final LogShards shards;
    private final BrokerMetrics metrics;
    private final ConsumerGroupLag lag;
    private GroupCoordinator coordinator;
    private long cleanupTimer = -1;
    private long lagTimer = -1;

    GroupCoordinatorVerticle(Settings settings, MetadataCache metadata, LogShards shards, BrokerMetrics metrics) {
        this.settings = settings;
        this.metadata = metadata;
        this.shards = shards;
        this.metrics = metrics;
        this.lag = new ConsumerGroupLag(settings.brokerId(), shards);
    }

    @Override
    public void start(Promise<Void> started) {
        coordinator = new GroupCoordinator(settings.config(), new VertxScheduler(), this::append,
            OffsetsTopic::subscriptionTopics, settings.configuredPartitions());
        cleanupTimer = vertx.setPeriodic(settings.retentionCheckIntervalMs(), t -> {
            try {
                coordinator.cleanupExpiredOffsets();
            } catch (RuntimeException e) {
                log.error("Offset expiration failed", e);
            }
        });
        lagTimer = vertx.setPeriodic(ConsumerGroupLag.REFRESH_MS, t -> lag.refresh(coordinator.groups(), metadata.image()));
        metrics.consumerLagSource(lag);
        LocalCommands.<GroupCommand<?>>serve(vertx, ADDRESS, command -> command.execute(this))
            .completion().onComplete(done -> {
            if (done.succeeded())
                loadLocalPartitions();
            started.handle(done);
        });
    }

    @Override
    public void stop() {
        if (cleanupTimer >= 0)
            vertx.cancelTimer(cleanupTimer);
        if (lagTimer >= 0)
            vertx.cancelTimer(lagTimer);
        metrics.consumerLagSource(null);
        coordinator.shutdown();
    }

    /** The state machine, for commands on this verticle's event loop. */
    public GroupCoordinator coordinator() {
        return coordinator;
    }

    /**
     * The state machine, after making sure the partition of {@code groupId} is loaded or loading
     * if this broker leads it.
     */
    public GroupCoordinator coordinatorFor(String groupId) {
        syncPartitionCount();
        if (groupId != null)
            ensureLoaded(coordinator.partitionFor(groupId));
        return coordinator;
    }

    /** Starts loading every offsets partition this broker leads and has not loaded yet. */
    public void loadLocalPartitions() {
        TopicImage topic = offsetsTopic();
        if (topic == null)
            return;
        syncPartitionCount();
        for (PartitionImage p : topic.partitions())
            ensureLoaded(p.partition());
    }

    /**
     * Leadership of offsets partitions moved: load the ones this broker leads now, unload (groups
     * Dead, NOT_COORDINATOR) the ones it lost, as Kafka's onElection/onResignation.
     */
    public void syncLeadership() {
        for (int p = 0; p < coordinator.partitionCount(); p++) {
            if (coordinator.partitionStatus(p) != PartitionStatus.NOT_OWNED && !leadsLocally(p)) {
                log.info("No longer leading {}-{}: unloading its groups", OffsetsTopic.NAME, p);
                coordinator.unloadPartition(p);
            }
        }
        loadLocalPartitions();
    }

    private TopicImage offsetsTopic() {
        return metadata.image().topic(OffsetsTopic.NAME).orElse(null);
    }

    /** The topic's real partition count wins over offsets.topic.num.partitions, as in Kafka. */
    private void syncPartitionCount() {
        TopicImage topic = offsetsTopic();
        if (topic != null && topic.partitions().size() != coordinator.partitionCount()) {
            boolean ownsNone = true;
            for (int p = 0; p < coordinator.partitionCount(); p++)
                ownsNone &= coordinator.partitionStatus(p) == PartitionStatus.NOT_OWNED;
            if (ownsNone)
                coordinator.setPartitionCount(topic.partitions().size());
        }
    }

    private boolean leadsLocally(int partition) {
        TopicImage topic = offsetsTopic();
        return topic != null && partition < topic.partitions().size()
            && topic.partitions().get(partition).leader() == settings.brokerId();
    }

    private void ensureLoaded(int partition) {
        if (coordinator.partitionStatus(partition) != PartitionStatus.NOT_OWNED || !leadsLocally(partition))
            return;
        coordinator.beginLoad(partition);
        TopicPartition tp = new TopicPartition(OffsetsTopic.NAME, partition);
        log.info("Loading group metadata and offsets from {}", tp);
        loadFrom(tp, -1L, new ArrayList<>(), System.nanoTime());
    }

    private void loadFrom(TopicPartition tp, long from, List<Loaded> records, long startedNanos) {
        shards.send(shards.shardOf(tp), new LoadChunkCommand(tp, from, settings.loadBufferBytes())).onComplete(ar -> {
            if (ar.failed() || ar.result().error() != Errors.NONE) {
                Object why = ar.failed() ? ar.cause() : ar.result().error();
                log.warn("Loading {} failed ({}); retrying in {} ms", tp, why, LOAD_RETRY_MS);
                coordinator.abortLoad(tp.partition());
                vertx.setTimer(LOAD_RETRY_MS, t -> ensureLoaded(tp.partition()));
                return;
            }
            LoadChunkCommand.Result chunk = ar.result();
            ByteBuffer bytes = chunk.records();
            long next = bytes.hasRemaining() ? OffsetsTopic.decode(bytes, chunk.readFrom(), records) : chunk.readFrom();
            if (coordinator.partitionStatus(tp.partition()) != PartitionStatus.LOADING) {
                log.info("Stopped loading {}: leadership moved", tp);
            } else if (!bytes.hasRemaining() || next >= chunk.highWatermark() || next <= chunk.readFrom()) {
                coordinator.completeLoad(tp.partition(), records);
                log.info("Finished loading offsets and group metadata from {} in {} ms", tp,
                    (System.nanoTime() - startedNanos) / 1_000_000);
            } else {
                loadFrom(tp, next, records, startedNanos);
            }
        });
    }

    /** The coordinator's writes: one batch per call, acks=all, through the shard owning the partition. */
    private void append(int partition, List<GroupRecord> records, BiConsumer<GroupError, Long> done) {
        TopicPartition tp = new TopicPartition(OffsetsTopic.NAME, partition);
        ByteBuffer batch;
        try {
            batch = OffsetsTopic.encode(records, System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.error("Cannot encode records for {}", tp, e);
            done.accept(GroupError.UNKNOWN_SERVER_ERROR, -1L);
            return;
        }
        shards.send(shards.shardOf(tp), new AppendCommand(Map.of(tp, batch), (short) -1, settings.commitTimeoutMs())).onComplete(ar -> {
            if (ar.failed()) {
                log.warn("Append to {} failed: {}", tp, ar.cause().toString());
                done.accept(GroupError.REQUEST_TIMED_OUT, -1L);
                return;
            }
            AppendCommand.Result result = ar.result().get(tp);
            if (result == null) {
                done.accept(GroupError.NOT_LEADER_OR_FOLLOWER, -1L);
            } else if (result.error() != Errors.NONE) {
                log.warn("Append to {} failed: {} {}", tp, result.error(), result.message());
                done.accept(GroupErrors.fromKafka(result.error()), -1L);
            } else {
                done.accept(GroupError.NONE, result.baseOffset());
            }
        });
    }

    /** Wall clock and Vert.x timers on this verticle's event loop. */
    private final class VertxScheduler implements GroupScheduler {
        @Override
        public long nowMs() {
            return System.currentTimeMillis();
        }

        @Override
        public Cancellable schedule(long delayMs, Runnable task) {
            long id = vertx.setTimer(Math.max(1, delayMs), t -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Group coordinator timer failed", e);
                }
            });
            return () -> vertx.cancelTimer(id);
        }
    }
}
