package io.gregor.storage.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Maps the last offset of a batch to the batch's byte position in the segment: entries of
 * (relative offset int32, position int32), one every {@code index.interval.bytes} of log.
 */
public final class OffsetIndex extends AbstractIndex {
    public static final int ENTRY_SIZE = 8;

    public OffsetIndex(Path path, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(path, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    public long offsetAt(int n) {
        return baseOffset + buf.getInt(n * ENTRY_SIZE);
    }

    public int positionAt(int n) {
        return buf.getInt(n * ENTRY_SIZE + 4);
    }

    @Override
    protected long keyAt(int n) {
        return offsetAt(n);
    }

    public long lastOffset() {
        return entries == 0 ? baseOffset : offsetAt(entries - 1);
    }

    public void append(long offset, int position) throws IOException {
        checkRoom();
        if (entries > 0 && offset <= lastOffset())
            throw new IllegalArgumentException("offset " + offset + " is not larger than the last indexed offset "
                + lastOffset() + " in " + path());
        int at = entries * ENTRY_SIZE;
        buf.putInt(at, relativeOffset(offset));
        buf.putInt(at + 4, position);
        entries++;
    }

    /** Byte position from which a scan for {@code targetOffset} starts: the largest indexed offset not above it. */
    public int lookup(long targetOffset) {
        int n = largestLowerBound(targetOffset);
        return n < 0 ? 0 : positionAt(n);
    }

    /** Removes every entry at or above {@code offset}. */
    public void truncateTo(long offset) {
        int n = largestLowerBound(offset - 1);
        truncateToEntries(n + 1);
    }

    @Override
    public void sanityCheck() throws CorruptIndexException {
        checkLength();
        if (entries > 0 && lastOffset() < baseOffset)
            throw new CorruptIndexException("index " + path() + " ends at offset " + lastOffset()
                + ", below its base offset " + baseOffset);
        for (int n = 1; n < entries; n++) {
            if (offsetAt(n) <= offsetAt(n - 1) || positionAt(n) <= positionAt(n - 1))
                throw new CorruptIndexException("index " + path() + " is not ascending at entry " + n);
        }
    }
}
