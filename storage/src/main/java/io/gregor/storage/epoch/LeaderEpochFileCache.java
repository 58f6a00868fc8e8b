package io.gregor.storage.epoch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Predicate;

import io.gregor.storage.checkpoint.LeaderEpochCheckpointFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader epochs of one partition's log with the offset each began at (KIP-101, KIP-279), kept in memory
 * and written through to the partition's {@code leader-epoch-checkpoint} on every change.
 * Entries always increase in both epoch and start offset.
 * <p>
 * Not thread-safe: only the single owner of the partition's log calls it. If a change throws
 * {@link UncheckedIOException}, memory is ahead of the file and the caller must treat the log dir as failed.
 */
public final class LeaderEpochFileCache {

    private static final Logger log = LoggerFactory.getLogger(LeaderEpochFileCache.class);

    private final LeaderEpochCheckpointFile checkpoint;
    private final TreeMap<Integer, EpochEntry> epochs = new TreeMap<>();

    public LeaderEpochFileCache(LeaderEpochCheckpointFile checkpoint) throws IOException {
        this.checkpoint = checkpoint;
        // Loading through the same rules as assign repairs a file that breaks monotonicity, as Kafka does.
        for (EpochEntry entry : checkpoint.read()) {
            append(entry);
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Entries that would break monotonicity
     * (a later or equal epoch, or a later or equal start offset) are removed first.
     */
    public void assign(int epoch, long startOffset) {
        // Batches written before leader epochs existed carry -1; they say nothing about epochs.
        if (epoch < 0) {
            return;
        }
        if (startOffset < 0) {
            throw new IllegalArgumentException("Invalid start offset " + startOffset + " for leader epoch " + epoch);
        }
        if (append(new EpochEntry(epoch, startOffset))) {
            flush();
        }
    }

    public OptionalInt latestEpoch() {
        return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
    }

    /** The epoch under which {@code offset} was written, or empty if it precedes every known epoch. */
    public OptionalInt epochForOffset(long offset) {
        OptionalInt found = OptionalInt.empty();
        for (EpochEntry entry : epochs.values()) {
            if (entry.startOffset() > offset) {
                break;
            }
            found = OptionalInt.of(entry.epoch());
        }
        return found;
    }

    /**
     * OffsetForLeaderEpoch: the largest epoch not above {@code requestedEpoch} and the offset where the next
     * epoch starts, i.e. where a follower that last wrote in {@code requestedEpoch} must truncate to.
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch == EpochEndOffset.UNDEFINED_EPOCH) {
            return EpochEndOffset.UNDEFINED;
        }
        if (!epochs.isEmpty() && epochs.lastKey() == requestedEpoch) {
            // The current epoch is still being written to, so it ends at the log end.
            return new EpochEndOffset(requestedEpoch, logEndOffset);
        }
        Map.Entry<Integer, EpochEntry> higher = epochs.higherEntry(requestedEpoch);
        if (higher == null) {
            return EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, EpochEntry> floor = epochs.floorEntry(requestedEpoch);
        if (floor == null) {
            // Older epochs were truncated away with the log start; the follower must restart from our earliest epoch.
            return new EpochEndOffset(requestedEpoch, higher.getValue().startOffset());
        }
        return new EpochEndOffset(floor.getKey(), higher.getValue().startOffset());
    }

    /** Forgets epochs that start at or after {@code endOffset}, after the log was truncated to it. */
    public void truncateFromEnd(long endOffset) {
        if (endOffset < 0 || epochs.isEmpty() || epochs.lastEntry().getValue().startOffset() < endOffset) {
            return;
        }
        List<EpochEntry> removed = removeFromEnd(entry -> entry.startOffset() >= endOffset);
        log.info("Truncated leader epochs {} at and after offset {}; cache now holds {} entries",
                removed, endOffset, epochs.size());
        flush();
    }

    /**
     * Forgets epochs that lie wholly before the new log start {@code startOffset}; the epoch in force at
     * {@code startOffset} is kept and now starts there.
     */
    public void truncateFromStart(long startOffset) {
        List<EpochEntry> removed = removeFromStart(entry -> entry.startOffset() <= startOffset);
        if (removed.isEmpty()) {
            return;
        }
        EpochEntry inForce = new EpochEntry(removed.get(removed.size() - 1).epoch(), startOffset);
        epochs.put(inForce.epoch(), inForce);
        if (removed.equals(List.of(inForce))) {
            return;
        }
        log.info("Truncated leader epochs {} before offset {}; first entry is now {}", removed, startOffset, inForce);
        flush();
    }

    public void clearAndFlush() {
        epochs.clear();
        flush();
    }

    public List<EpochEntry> entries() {
        return List.copyOf(epochs.values());
    }

    /** Applies one entry in memory; returns false when it changes nothing. */
    private boolean append(EpochEntry entry) {
        Map.Entry<Integer, EpochEntry> latest = epochs.lastEntry();
        // The same epoch again (one batch after another) keeps its first start offset.
        if (latest != null && latest.getKey() == entry.epoch()
                && latest.getValue().startOffset() <= entry.startOffset()) {
            return false;
        }
        List<EpochEntry> removed = removeFromEnd(
                existing -> existing.epoch() >= entry.epoch() || existing.startOffset() >= entry.startOffset());
        epochs.put(entry.epoch(), entry);
        // Replacing an epoch at the same start offset is routine: nothing was written under it.
        // Dropping any other entry rewrites the partition's history, which an operator should see.
        if (removed.size() > 1 || (removed.size() == 1 && removed.get(0).startOffset() != entry.startOffset())) {
            log.warn("New leader epoch entry {} caused truncation of conflicting entries {}; "
                    + "cache now holds {} entries", entry, removed, epochs.size());
        }
        return true;
    }

    /** Removes entries from the newest backwards while they match; returns them oldest first. */
    private List<EpochEntry> removeFromEnd(Predicate<EpochEntry> matches) {
        List<EpochEntry> removed = new ArrayList<>();
        Iterator<EpochEntry> it = epochs.descendingMap().values().iterator();
        while (it.hasNext()) {
            EpochEntry entry = it.next();
            if (!matches.test(entry)) {
                break;
            }
            it.remove();
            removed.add(0, entry);
        }
        return removed;
    }

    /** Removes entries from the oldest forwards while they match; returns them oldest first. */
    private List<EpochEntry> removeFromStart(Predicate<EpochEntry> matches) {
        List<EpochEntry> removed = new ArrayList<>();
        Iterator<EpochEntry> it = epochs.values().iterator();
        while (it.hasNext()) {
            EpochEntry entry = it.next();
            if (!matches.test(entry)) {
                break;
            }
            it.remove();
            removed.add(entry);
        }
        return removed;
    }

    private void flush() {
        try {
            checkpoint.write(entries());
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to write leader epochs to " + checkpoint.path(), e);
        }
    }
}
