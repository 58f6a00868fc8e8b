package io.gregor.broker.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.coordination.replication.ReplicaTracker;
import io.gregor.metrics.Registration;
import io.gregor.metrics.TopicMetrics;
import io.gregor.storage.log.Log;
import io.gregor.storage.producer.ProducerStateManager;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * A replica of a partition as its owning shard sees it: the leader (tracking its followers, the
 * high watermark and the acks=all produces waiting for it) or a follower of another broker. All
 * state is touched only on the shard's event loop.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final Log log;
    private final int localBrokerId;
    private final Supplier<ProducerStateManager> producerStateLoader;
    private ProducerStateManager producers;
    private int leaderId = -1;
    private int leaderEpoch = -1;
    private int stateZkVersion = -1;
    private int controllerEpoch;
    private int minInsyncReplicas;
    private ReplicaTracker tracker;
    private long leaderEpochStartOffset;
    private final List<Runnable> appendListeners = new ArrayList<>(0);
    private final ArrayDeque<PendingAck> pendingAcks = new ArrayDeque<>();
    private TopicMetrics metrics;
    private Registration logGauges = Registration.NONE;

    /** An acks=all produce waiting for the high watermark to pass {@code requiredOffset}. */
    private record PendingAck(long requiredOffset, Promise<Errors> promise) {
    }

    /** What a new partition state means for this replica. */
    public enum Transition {
        /** Nothing changed that a fetcher must know. */
        UNCHANGED,
        /** This broker leads now: stop fetching. */
        LEADER,
        /** A new leader or leader epoch to follow: (re)start fetching after truncation. */
        FOLLOWER,
        /** No leader to follow. */
        NO_LEADER
    }

    Partition(TopicPartition topicPartition, Log log, int localBrokerId, Supplier<ProducerStateManager> producerStateLoader) {
        this.topicPartition = topicPartition;
        this.log = log;
        this.localBrokerId = localBrokerId;
        this.producerStateLoader = producerStateLoader;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Log log() {
        return log;
    }

    /** Idempotent producers' sequence state, rebuilt from the log whenever this broker becomes leader. */
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

    public boolean isLeader() {
        return tracker != null;
    }

    public int leaderId() {
        return leaderId;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    public int isrSize() {
        return tracker == null ? 0 : tracker.isr().size();
    }

    List<Integer> isr() {
        return tracker == null ? List.of() : tracker.isr();
    }

    int stateZkVersion() {
        return stateZkVersion;
    }

    int controllerEpoch() {
        return controllerEpoch;
    }

    /**
     * Applies a partition state read from ZooKeeper. States older than the one applied (by leader
     * epoch, then znode version) are ignored: reloads may race with each other.
     */
    Transition apply(ReplicaStateCommand.Spec spec, long nowMs) {
        minInsyncReplicas = spec.minInsyncReplicas();
        if (spec.leaderEpoch() < leaderEpoch || (spec.leaderEpoch() == leaderEpoch && spec.zkVersion() <= stateZkVersion))
            return Transition.UNCHANGED;
        boolean newTerm = spec.leaderEpoch() != leaderEpoch || spec.leader() != leaderId;
        stateZkVersion = spec.zkVersion();
        controllerEpoch = spec.controllerEpoch();
        if (!newTerm) {
            if (tracker != null) {
                tracker.isrChanged(spec.isr());
                maybeAdvanceHighWatermark();
            }
            return Transition.UNCHANGED;
        }
        leaderEpoch = spec.leaderEpoch();
        leaderId = spec.leader();
        if (leaderId == localBrokerId) {
            becomeLeader(spec, nowMs);
            return Transition.LEADER;
        }
        resign(Errors.NOT_LEADER_OR_FOLLOWER);
        return leaderId < 0 ? Transition.NO_LEADER : Transition.FOLLOWER;
    }

    private void becomeLeader(ReplicaStateCommand.Spec spec, long nowMs) {
        tracker = new ReplicaTracker(localBrokerId, spec.replicas(), spec.isr(), nowMs);
        leaderEpochStartOffset = log.logEndOffset();
        // Followers do not track producer sequences: rebuild them from what the log now holds.
        producers = producerStateLoader.get();
        maybeAdvanceHighWatermark();
    }

    /** Stops leading: produces still waiting can no longer be acknowledged by this broker. */
    void resign(Errors reason) {
        tracker = null;
        while (!pendingAcks.isEmpty())
            pendingAcks.poll().promise().tryComplete(reason);
    }

    /** Advances the high watermark after an append and wakes the fetches waiting for data. */
    void onAppended() {
        if (tracker != null)
            maybeAdvanceHighWatermark();
        wakeListeners();
    }

    /** A follower fetched: its position may move the high watermark, and it may rejoin the ISR. */
    Optional<List<Integer>> onFollowerFetch(int replicaId, long fetchOffset, long nowMs) {
        tracker.onFollowerFetch(replicaId, fetchOffset, log.logEndOffset(), nowMs);
        maybeAdvanceHighWatermark();
        return tracker.proposeExpand(replicaId, log.highWatermark(), leaderEpochStartOffset);
    }

    boolean isReplica(int brokerId) {
        return tracker != null && tracker.isReplica(brokerId);
    }

    Optional<List<Integer>> proposeShrink(long nowMs, long maxLagMs) {
        return tracker == null ? Optional.empty() : tracker.proposeShrink(nowMs, maxLagMs);
    }

    /** A proposed ISR was written to ZooKeeper at {@code zkVersion}. */
    void isrWritten(List<Integer> isr, int zkVersion) {
        if (tracker == null)
            return;
        tracker.isrChanged(isr);
        stateZkVersion = Math.max(stateZkVersion, zkVersion);
        maybeAdvanceHighWatermark();
    }

    void isrWriteFailed() {
        if (tracker != null)
            tracker.changeAbandoned();
    }

    private void maybeAdvanceHighWatermark() {
        long current = log.highWatermark();
        long next = tracker.highWatermark(log.logEndOffset(), current);
        if (next > current) {
            log.updateHighWatermark(next);
            completeAcks();
            wakeListeners();
        }
    }

    /**
     * Completes with the error for an acks=all produce once the high watermark passes
     * {@code requiredOffset}: NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
     * min.insync.replicas meanwhile (Kafka's DelayedProduce).
     */
    Future<Errors> awaitReplication(long requiredOffset) {
        if (log.highWatermark() >= requiredOffset)
            return Future.succeededFuture(ackError());
        Promise<Errors> promise = Promise.promise();
        pendingAcks.add(new PendingAck(requiredOffset, promise));
        return promise.future();
    }

    void forget(Future<Errors> ack) {
        pendingAcks.removeIf(p -> p.promise().future() == ack);
    }

    private void completeAcks() {
        long highWatermark = log.highWatermark();
        for (Iterator<PendingAck> it = pendingAcks.iterator(); it.hasNext(); ) {
            PendingAck ack = it.next();
            if (ack.requiredOffset() > highWatermark)
                break; // appended in offset order
            it.remove();
            ack.promise().tryComplete(ackError());
        }
    }

    private Errors ackError() {
        return isrSize() < minInsyncReplicas ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE;
    }

    private void wakeListeners() {
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
