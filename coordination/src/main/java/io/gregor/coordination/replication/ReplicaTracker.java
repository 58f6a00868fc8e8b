package io.gregor.coordination.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The leader's view of its followers for one partition: how far each has fetched and when it was
 * last caught up, from which follow the high watermark and the ISR changes to propose (Kafka's
 * Partition.maybeShrinkIsr / maybeExpandIsr). Pure: the caller passes the time and owns the log.
 *
 * <p>A proposed ISR change takes effect only through {@link #isrChanged} once it is written to
 * ZooKeeper; until then the old ISR holds, so the high watermark never counts on a replica the
 * rest of the cluster does not see in the ISR.
 */
public final class ReplicaTracker {
    private static final long UNKNOWN = -1L;

    private final int leaderId;
    private final List<Integer> replicas;
    private List<Integer> isr;
    private final Map<Integer, Follower> followers = new HashMap<>();
    private boolean changePending;

    private static final class Follower {
        long logEndOffset = UNKNOWN;
        long lastCaughtUpMs;
        long lastFetchMs;
        long leaderEndOffsetAtLastFetch = UNKNOWN;

        Follower(long nowMs) {
            // A follower starts with the benefit of the doubt, as in Kafka: it has one lag period to fetch.
            this.lastCaughtUpMs = nowMs;
        }
    }

    public ReplicaTracker(int leaderId, List<Integer> replicas, List<Integer> isr, long nowMs) {
        this.leaderId = leaderId;
        this.replicas = List.copyOf(replicas);
        this.isr = List.copyOf(isr);
        for (int replica : replicas) {
            if (replica != leaderId)
                followers.put(replica, new Follower(nowMs));
        }
    }

    public List<Integer> isr() {
        return isr;
    }

    public boolean isReplica(int brokerId) {
        return followers.containsKey(brokerId);
    }

    /** A follower fetched from {@code fetchOffset}, so it holds everything below it. */
    public void onFollowerFetch(int replicaId, long fetchOffset, long leaderEndOffset, long nowMs) {
        Follower follower = followers.get(replicaId);
        if (follower == null)
            return;
        if (fetchOffset >= leaderEndOffset)
            follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, nowMs);
        else if (follower.leaderEndOffsetAtLastFetch != UNKNOWN && fetchOffset >= follower.leaderEndOffsetAtLastFetch)
            follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, follower.lastFetchMs);
        follower.logEndOffset = fetchOffset;
        follower.leaderEndOffsetAtLastFetch = leaderEndOffset;
        follower.lastFetchMs = nowMs;
    }

    /**
     * The smallest log end offset among the ISR, never below {@code currentHighWatermark}: a
     * follower whose position is not known yet holds it where it is.
     */
    public long highWatermark(long leaderEndOffset, long currentHighWatermark) {
        long min = leaderEndOffset;
        for (int replica : isr) {
            if (replica == leaderId)
                continue;
            Follower follower = followers.get(replica);
            long end = follower == null ? UNKNOWN : follower.logEndOffset;
            if (end == UNKNOWN)
                return currentHighWatermark;
            min = Math.min(min, end);
        }
        return Math.max(min, currentHighWatermark);
    }

    /** The ISR without the followers that were not caught up within {@code maxLagMs}, if any such. */
    public Optional<List<Integer>> proposeShrink(long nowMs, long maxLagMs) {
        if (changePending)
            return Optional.empty();
        List<Integer> kept = new ArrayList<>();
        for (int replica : isr) {
            Follower follower = followers.get(replica);
            if (replica == leaderId || (follower != null && nowMs - follower.lastCaughtUpMs <= maxLagMs))
                kept.add(replica);
        }
        if (kept.size() == isr.size())
            return Optional.empty();
        changePending = true;
        return Optional.of(List.copyOf(kept));
    }

    /**
     * The ISR with {@code replicaId} added once it has reached the high watermark and this leader's
     * first offset of its epoch (so it holds nothing an older leader wrote and this one did not).
     */
    public Optional<List<Integer>> proposeExpand(int replicaId, long highWatermark, long leaderEpochStartOffset) {
        Follower follower = followers.get(replicaId);
        if (changePending || follower == null || isr.contains(replicaId))
            return Optional.empty();
        if (follower.logEndOffset < highWatermark || follower.logEndOffset < leaderEpochStartOffset)
            return Optional.empty();
        List<Integer> expanded = new ArrayList<>();
        for (int replica : replicas) {
            if (isr.contains(replica) || replica == replicaId)
                expanded.add(replica);
        }
        changePending = true;
        return Optional.of(List.copyOf(expanded));
    }

    /** The proposed change was written (or refused, and {@code isr} is what ZooKeeper holds). */
    public void isrChanged(List<Integer> isr) {
        this.isr = List.copyOf(isr);
        changePending = false;
    }

    /** The last proposal failed to be written; the next check may propose again. */
    public void changeAbandoned() {
        changePending = false;
    }

    public boolean changePending() {
        return changePending;
    }
}
