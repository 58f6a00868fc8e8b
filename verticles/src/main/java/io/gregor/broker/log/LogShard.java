package io.gregor.broker.log;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.PartitionLogView;
import io.gregor.broker.bus.LocalCommands;
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
    private final long retentionCheckMs;
    private final long producerIdExpirationMs = ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    public LogShard(int id, LogManager logManager, long retentionCheckMs, BrokerMetrics metrics) {
        this.id = id;
        this.metrics = metrics;
        this.logManager = logManager;
        this.retentionCheckMs = retentionCheckMs;
    }

    @Override
    public void start(Promise<Void> started) {
        LocalCommands.<ShardCommand<?>>serve(vertx, LogShards.address(id), command -> command.execute(this))
            .completion().onComplete(started);
        vertx.setPeriodic(retentionCheckMs, timer -> enforceRetention());
        vertx.setPeriodic(PRODUCER_EXPIRATION_CHECK_MS, timer -> expireProducers());
    }

    private void expireProducers() {
        long now = System.currentTimeMillis();
        partitions.values().forEach(p -> p.producers().removeExpiredProducers(now, producerIdExpirationMs));
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

    public Partition partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    /** Opens (or creates) the log of a partition this broker leads. */
    Partition ensure(TopicPartition tp, EnsurePartitionsCommand.Spec spec) {
        Partition existing = partitions.get(tp);
        if (existing != null) {
            existing.update(spec.leaderEpoch(), spec.minInsyncReplicas());
            existing.log().updateConfig(spec.config());
            return existing;
        }
        Log partitionLog = logManager.getOrCreateLog(tp, spec.config());
        partitionLog.updateConfig(spec.config());
        recordTopicId(partitionLog, spec.topicId());
        ProducerStateManager producers = ProducerStateLoader.load(partitionLog, System.currentTimeMillis(),
            producerIdExpirationMs);
        Partition partition = new Partition(tp, partitionLog, producers, spec.leaderEpoch(), spec.minInsyncReplicas());
        partition.onAppended();
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
        if (removed != null)
            removed.unregisterGauges();
        if (removed != null)
            logManager.deleteLog(tp);
    }

    Iterable<Partition> partitions() {
        return partitions.values();
    }
}
