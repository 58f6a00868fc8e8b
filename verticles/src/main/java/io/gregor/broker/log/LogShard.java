package io.gregor.broker.log;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.PartitionLogView;
import io.gregor.broker.bus.LocalCommands;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.storage.checkpoint.PartitionMetadataFile;
import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogManager;
import io.gregor.storage.producer.ProducerStateLoader;
import io.gregor.storage.producer.ProducerStateManager;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The partition log verticle: one of {@code num.io.threads} shards, each the single owner of the
 * partitions hashed to it. Commands arrive over the local event bus; waiting (a fetch for data
 * not yet there) happens here as timers and append listeners, never by blocking a thread.
 */
public final class LogShard extends AbstractVerticle {
    private static final Logger log = LoggerFactory.getLogger(LogShard.class);
    /** Kafka's producer.id.expiration.check.interval.ms default. */
    private static final long PRODUCER_EXPIRATION_CHECK_MS = 10 * 60 * 1000L;

    private final int id;
    private final LogManager logManager;
    private final BrokerMetrics metrics;
    private final Settings settings;
    private final IsrWriter isrWriter;
    private final long producerIdExpirationMs = ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    /** @param replicaLagTimeMaxMs how long a follower may stay behind before it leaves the ISR */
    public record Settings(int brokerId, long retentionCheckMs, long replicaLagTimeMaxMs) {
    }

    public LogShard(int id, LogManager logManager, Settings settings, IsrWriter isrWriter, BrokerMetrics metrics) {
        this.id = id;
        this.metrics = metrics;
        this.logManager = logManager;
        this.settings = settings;
        this.isrWriter = isrWriter;
    }

    @Override
    public void start(Promise<Void> started) {
        LocalCommands.<ShardCommand<?>>serve(vertx, LogShards.address(id), command -> command.execute(this))
            .completion().onComplete(started);
        vertx.setPeriodic(settings.retentionCheckMs(), timer -> enforceRetention());
        vertx.setPeriodic(PRODUCER_EXPIRATION_CHECK_MS, timer -> expireProducers());
        // Kafka checks at half the lag time, so a follower leaves the ISR at most 1.5 lag times after it stopped.
        vertx.setPeriodic(Math.max(1, settings.replicaLagTimeMaxMs() / 2), timer -> shrinkIsrs());
    }

    private void shrinkIsrs() {
        long now = System.currentTimeMillis();
        for (Partition partition : partitions.values())
            partition.proposeShrink(now, settings.replicaLagTimeMaxMs()).ifPresent(isr -> writeIsr(partition, isr, false));
    }

    /**
     * A follower fetched from a partition this broker leads: its position may move the high
     * watermark, and it may rejoin the ISR.
     */
    void onFollowerFetch(Partition partition, int replicaId, long fetchOffset) {
        partition.onFollowerFetch(replicaId, fetchOffset, System.currentTimeMillis())
            .ifPresent(isr -> writeIsr(partition, isr, true));
    }

    private void writeIsr(Partition partition, List<Integer> isr, boolean expand) {
        TopicPartition tp = partition.topicPartition();
        int epoch = partition.leaderEpoch();
        PartitionState state = new PartitionState(settings.brokerId(), epoch, isr, partition.controllerEpoch(),
            partition.stateZkVersion());
        log.info("{}: {} ISR from {} to {} (leader epoch {})", tp, expand ? "Expanding" : "Shrinking",
            partition.isr(), isr, epoch);
        isrWriter.write(tp, state).onComplete(written -> {
            if (partitions.get(tp) != partition || partition.leaderEpoch() != epoch || !partition.isLeader())
                return;
            if (written.succeeded()) {
                partition.isrWritten(isr, written.result());
                (expand ? metrics.isrExpands() : metrics.isrShrinks()).increment();
            } else {
                log.info("{}: the ISR change to {} was not written ({}); waiting for the controller's state", tp, isr,
                    written.cause().getMessage());
                partition.isrWriteFailed();
            }
        });
    }

    private void expireProducers() {
        long now = System.currentTimeMillis();
        partitions.values().forEach(p -> {
            if (p.isLeader())
                p.producers().removeExpiredProducers(now, producerIdExpirationMs);
        });
    }

    private void enforceRetention() {
        for (Partition partition : partitions.values()) {
            try {
                partition.log().deleteOldSegments();
            } catch (KafkaStorageException e) {
                log.debug("Retention skipped for {}: {}", partition.topicPartition(), e.getMessage());
            }
        }
    }

    /** The partition if this broker leads it: what clients may produce to and fetch from. */
    public Partition partition(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        return partition != null && partition.isLeader() ? partition : null;
    }

    /** The local replica, leader or follower. */
    public Partition replica(TopicPartition tp) {
        return partitions.get(tp);
    }

    /** Opens (or creates) the log of a partition this broker holds a replica of. */
    Partition open(TopicPartition tp, ReplicaStateCommand.Spec spec) {
        Partition existing = partitions.get(tp);
        if (existing != null) {
            existing.log().updateConfig(spec.config());
            return existing;
        }
        Log partitionLog = logManager.getOrCreateLog(tp, spec.config());
        partitionLog.updateConfig(spec.config());
        recordTopicId(partitionLog, spec.topicId());
        Partition partition = new Partition(tp, partitionLog, settings.brokerId(),
            () -> ProducerStateLoader.load(partitionLog, System.currentTimeMillis(), producerIdExpirationMs));
        partition.metrics(metrics.topic(tp.topic()), metrics.registerLog(tp.topic(), tp.partition(), logView(partitionLog)));
        partitions.put(tp, partition);
        return partition;
    }

    /** What the kafka_log_log_* gauges read, from the scrape thread: volatile offsets, a concurrent segment map. */
    private static PartitionLogView logView(Log log) {
        return new PartitionLogView() {
            @Override
            public long size() {
                return log.size();
            }

            @Override
            public long logStartOffset() {
                return log.logStartOffset();
            }

            @Override
            public long logEndOffset() {
                return log.logEndOffset();
            }

            @Override
            public int numberOfSegments() {
                return log.numberOfSegments();
            }
        };
    }

    /** Kafka's partition.metadata: the topic id, so a log left by a deleted topic of the same name is never reused. */
    private static void recordTopicId(Log partitionLog, Uuid topicId) {
        PartitionMetadataFile file = PartitionMetadataFile.inPartitionDir(partitionLog.dir());
        try {
            Optional<Uuid> recorded = file.read();
            if (recorded.isEmpty())
                file.write(topicId);
            else if (!recorded.get().equals(topicId))
                throw new InconsistentTopicIdException("The log of " + partitionLog.topicPartition() + " in "
                    + partitionLog.dir() + " belongs to topic id " + recorded.get() + ", not " + topicId);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot record the topic id of " + partitionLog.topicPartition(), e);
        }
    }

    void remove(TopicPartition tp) {
        Partition removed = partitions.remove(tp);
        if (removed != null) {
            removed.resign(Errors.NOT_LEADER_OR_FOLLOWER);
            removed.unregisterGauges();
            logManager.deleteLog(tp);
        }
    }

    Iterable<Partition> partitions() {
        return partitions.values();
    }
}
