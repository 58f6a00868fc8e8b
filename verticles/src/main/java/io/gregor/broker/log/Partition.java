package io.gregor.broker.log;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;

import io.gregor.metrics.Registration;
import io.gregor.metrics.TopicMetrics;
import io.gregor.storage.log.Log;
import io.gregor.storage.producer.ProducerStateManager;

/**
 * A partition this broker leads, as its owning shard sees it. With one broker the leader is the
 * whole ISR, so the high watermark follows the log end at once.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Log log;
    private final ProducerStateManager producers;
    private int leaderEpoch;
    private int minInsyncReplicas;
    private final List<Runnable> appendListeners = new ArrayList<>(0);
    private TopicMetrics metrics;
    private Registration logGauges = Registration.NONE;

    Partition(TopicPartition topicPartition, Log log, ProducerStateManager producers, int leaderEpoch,
              int minInsyncReplicas) {
        this.topicPartition = topicPartition;
        this.log = log;
        this.producers = producers;
        this.leaderEpoch = leaderEpoch;
        this.minInsyncReplicas = minInsyncReplicas;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Log log() {
        return log;
    }

    /** Idempotent producers' sequence state, rebuilt from the log when the partition is opened. */
    public ProducerStateManager producers() {
        return producers;
    }

    /** This partition's topic meters (kafka.server:type=BrokerTopicMetrics), cached. */
    public TopicMetrics metrics() {
        return metrics;
    }

    void metrics(TopicMetrics metrics, Registration logGauges) {
        this.metrics = metrics;
        this.logGauges = logGauges;
    }

    void unregisterGauges() {
        logGauges.close();
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    /** The in-sync replicas: only the leader itself until replication exists. */
    public int isrSize() {
        return 1;
    }

    void update(int leaderEpoch, int minInsyncReplicas) {
        this.leaderEpoch = Math.max(this.leaderEpoch, leaderEpoch);
        this.minInsyncReplicas = minInsyncReplicas;
    }

    /** Advances the high watermark after an append and wakes the fetches waiting for data. */
    void onAppended() {
        log.updateHighWatermark(log.logEndOffset());
        if (appendListeners.isEmpty())
            return;
        List<Runnable> listeners = new ArrayList<>(appendListeners);
        appendListeners.clear();
        listeners.forEach(Runnable::run);
    }

    void onNextAppend(Runnable listener) {
        appendListeners.add(listener);
    }

    void forgetListener(Runnable listener) {
        appendListeners.remove(listener);
    }
}
