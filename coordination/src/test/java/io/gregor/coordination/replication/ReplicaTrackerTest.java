package io.gregor.coordination.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ReplicaTrackerTest {
    private static final long LAG_MS = 30_000;

    @Test
    void highWatermarkIsTheSlowestInSyncReplica() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
        tracker.onFollowerFetch(2, 10, 10, 5);
        assertEquals(0, tracker.highWatermark(10, 0), "replica 3's position is unknown yet");
        tracker.onFollowerFetch(3, 7, 10, 6);
        assertEquals(7, tracker.highWatermark(10, 0));
        assertEquals(8, tracker.highWatermark(10, 8), "the high watermark never goes back");
    }

    @Test
    void aLeaderAloneInTheIsrMovesTheHighWatermarkToItsLogEnd() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2), List.of(1), 0);
        assertEquals(42, tracker.highWatermark(42, 0));
    }

    @Test
    void aFollowerThatStopsFetchingLeavesTheIsrAfterTheLagTime() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
        tracker.onFollowerFetch(2, 0, 0, 1_000);
        tracker.onFollowerFetch(3, 0, 0, 1_000);
        assertEquals(Optional.empty(), tracker.proposeShrink(LAG_MS, LAG_MS));
        tracker.onFollowerFetch(2, 5, 5, 40_000);
        assertEquals(Optional.of(List.of(1, 2)), tracker.proposeShrink(40_000, LAG_MS));
        assertTrue(tracker.changePending());
        assertEquals(Optional.empty(), tracker.proposeShrink(50_000, LAG_MS), "one change at a time");
        tracker.isrChanged(List.of(1, 2));
        assertEquals(List.of(1, 2), tracker.isr());
        assertEquals(5, tracker.highWatermark(5, 0), "replica 3 no longer holds the high watermark back");
    }

    @Test
    void aFollowerThatKeepsUpWithTheLogEndOfItsPreviousFetchStaysInSync() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2), List.of(1, 2), 0);
        long leaderEnd = 0;
        for (long now = 0; now < 100_000; now += 1_000) {
            long fetched = leaderEnd;
            leaderEnd += 10; // appends arrive between every two fetches: never fully caught up
            tracker.onFollowerFetch(2, fetched, leaderEnd, now);
        }
        assertEquals(Optional.empty(), tracker.proposeShrink(100_000, LAG_MS));
    }

    @Test
    void aFollowerRejoinsOnceItReachesTheHighWatermarkAndTheEpochStart() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2, 3), List.of(1, 3), 0);
        tracker.onFollowerFetch(2, 50, 100, 1);
        assertEquals(Optional.empty(), tracker.proposeExpand(2, 80, 0));
        tracker.onFollowerFetch(2, 90, 100, 2);
        assertEquals(Optional.empty(), tracker.proposeExpand(2, 80, 95), "not yet at this leader's epoch start");
        tracker.onFollowerFetch(2, 96, 100, 3);
        assertEquals(Optional.of(List.of(1, 2, 3)), tracker.proposeExpand(2, 80, 95), "in assignment order");
        tracker.changeAbandoned();
        assertFalse(tracker.changePending());
    }

    @Test
    void brokersThatAreNotReplicasAreIgnored() {
        ReplicaTracker tracker = new ReplicaTracker(1, List.of(1, 2), List.of(1, 2), 0);
        tracker.onFollowerFetch(9, 100, 100, 1);
        assertFalse(tracker.isReplica(9));
        assertEquals(Optional.empty(), tracker.proposeExpand(9, 0, 0));
    }
}
