package io.gregor.storage.producer;

import java.nio.ByteBuffer;

import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogSegment;
import io.gregor.storage.record.BatchHeader;

/**
 * Rebuilds a partition's producer state from its log, at load and after a truncation.
 *
 * <p>It reads the header of every batch of every segment (61 bytes each, no record is decoded) and
 * replays it into the state as a follower append would. Only the last
 * {@value ProducerStateManager#NUM_BATCHES_TO_RETAIN} batches of each producer end up mattering,
 * so most of that work is thrown away; it is acceptable for now because headers are read from the
 * mapped segments (page-cache speed, roughly one header per batch of typically several KB) and it
 * happens only when a partition is opened or truncated. Kafka avoids the full scan with producer
 * snapshot files: at every segment roll (and at clean shutdown) it writes
 * {@code <offset>.snapshot} with each producer's epoch and last batch, and on load or truncation
 * it reads the newest snapshot at or below the point to restore and replays only the batches after
 * it. Adding such snapshots here would bound the scan to the active segment.
 *
 * <p>Batches still in a segment but below the log start offset are replayed too: Kafka keeps their
 * producers in memory and in snapshots after DeleteRecords or retention, until they expire.
 * Producers whose batches were deleted with whole segments are not restored; like Kafka without a
 * snapshot, the leader then treats them as unknown and accepts their next sequence (KIP-360).
 *
 * <p>Call on the partition's owner thread, with no append in progress.
 */
public final class ProducerStateLoader {
    private ProducerStateLoader() {
    }

    /** A new state holding every producer found in {@code log}. */
    public static ProducerStateManager load(Log log) {
        ProducerStateManager state = new ProducerStateManager(log.topicPartition());
        replay(state, log);
        return state;
    }

    /**
     * A new state from {@code log} without the producers that have expired by {@code nowMs} (the
     * ones Kafka would have dropped before the restart or not loaded from its snapshot).
     */
    public static ProducerStateManager load(Log log, long nowMs, long producerIdExpirationMs) {
        ProducerStateManager state = load(log);
        state.removeExpiredProducers(nowMs, producerIdExpirationMs);
        return state;
    }

    /** Clears {@code state} and rebuilds it from {@code log}, e.g. after {@code Log.truncateTo}. */
    public static void reload(ProducerStateManager state, Log log) {
        state.clear();
        replay(state, log);
    }

    /** {@link #reload(ProducerStateManager, Log)} then drops the producers expired by {@code nowMs}. */
    public static void reload(ProducerStateManager state, Log log, long nowMs, long producerIdExpirationMs) {
        reload(state, log);
        state.removeExpiredProducers(nowMs, producerIdExpirationMs);
    }

    private static void replay(ProducerStateManager state, Log log) {
        for (LogSegment segment : log.segments()) {
            ByteBuffer buf = segment.dataView();
            int limit = segment.size();
            int pos = 0;
            while (pos < limit) {
                int size = BatchHeader.sizeInBytes(buf, pos);
                if (size < BatchHeader.SIZE || size > limit - pos)
                    throw new IllegalStateException("Batch at position " + pos + " of segment " + segment.baseOffset()
                        + " of " + log.topicPartition() + " declares " + size + " bytes, " + (limit - pos) + " remain");
                state.onRecoveredBatch(buf, pos);
                pos += size;
            }
        }
    }
}
