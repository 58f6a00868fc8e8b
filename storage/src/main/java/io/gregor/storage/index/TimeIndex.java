package io.gregor.storage.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Maps a timestamp to the last offset of the batch that first reached it: entries of
 * (max timestamp so far int64, relative offset int32), timestamps strictly rising, as Kafka's
 * {@code .timeindex}.
 */
public final class TimeIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 12;

    public TimeIndex(Path path, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(path, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    public long timestampAt(int n) {
        return buf.getLong(n * ENTRY_SIZE);
    }

    public long offsetAt(int n) {
        return baseOffset + buf.getInt(n * ENTRY_SIZE + 8);
    }

    @Override
    protected long keyAt(int n) {
        return timestampAt(n);
    }

    /** One slot stays free for the entry written when the segment is rolled, as Kafka does. */
    @Override
    public boolean isFull() {
        return entries >= maxEntries() - 1;
    }

    public long lastTimestamp() {
        return entries == 0 ? -1L : timestampAt(entries - 1);
    }

    public long lastOffset() {
        return entries == 0 ? baseOffset : offsetAt(entries - 1);
    }

    /** Appends unless the timestamp does not rise above the last entry's. */
    public void maybeAppend(long timestamp, long offset) throws IOException {
        if (entries > 0 && timestamp <= lastTimestamp())
            return;
        checkRoom();
        if (entries > 0 && offset < lastOffset())
            throw new IllegalArgumentException("offset " + offset + " is below the last time-indexed offset "
                + lastOffset() + " in " + path());
        int at = entries * ENTRY_SIZE;
        buf.putLong(at, timestamp);
        buf.putInt(at + 8, relativeOffset(offset));
        entries++;
    }

    /**
     * The offset from which a search for the first record at or after {@code timestamp} starts:
     * that of the last entry not above it, or the base offset. Every batch before an entry's
     * offset has a smaller timestamp, because an entry names the batch that first reached it.
     */
    public long lookup(long timestamp) {
        int n = largestLowerBound(timestamp);
        return n < 0 ? baseOffset : offsetAt(n);
    }

    /** Removes every entry whose offset is at or above {@code offset}. */
    public void truncateTo(long offset) {
        int keep = entries;
        while (keep > 0 && offsetAt(keep - 1) >= offset)
            keep--;
        truncateToEntries(keep);
    }

    @Override
    public void sanityCheck() throws CorruptIndexException {
        checkLength();
        if (entries == 0)
            return;
        if (lastOffset() < baseOffset)
            throw new CorruptIndexException("time index " + path() + " ends at offset " + lastOffset()
                + ", below its base offset " + baseOffset);
        for (int n = 1; n < entries; n++) {
            if (timestampAt(n) <= timestampAt(n - 1) || offsetAt(n) < offsetAt(n - 1))
                throw new CorruptIndexException("time index " + path() + " is not ascending at entry " + n);
        }
    }
}
