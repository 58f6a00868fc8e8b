package io.gregor.storage.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.gregor.storage.mmap.MappedRegion;

/**
 * A sparse, sorted, fixed-width index file of a segment, memory-mapped. Entries are big-endian
 * as in Kafka, so Kafka's tools read our index files.
 *
 * <p>A writable index is preallocated to {@code maxIndexSize} and trimmed to its entries when
 * the segment is rolled or closed. On open the number of entries is the file length divided by
 * the entry size, which is only meaningful for a trimmed file: after an unclean shutdown the log
 * rebuilds the index of every segment it recovers.
 */
abstract class AbstractIndex implements AutoCloseable {
    protected final long baseOffset;
    private final int entrySize;
    private final int maxIndexSize;
    /** The file's length before a writable mapping grew it: what the sanity check judges. */
    private final long lengthAtOpen;
    private Path path;
    private volatile MappedRegion region;
    protected ByteBuffer buf;
    protected volatile int entries;
    private int maxEntries;

    AbstractIndex(Path path, long baseOffset, int maxIndexSize, boolean writable, int entrySize) throws IOException {
        this.path = path;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.maxIndexSize = maxIndexSize;
        long length = Files.exists(path) ? Files.size(path) : 0;
        this.lengthAtOpen = length;
        this.entries = (int) (length / entrySize);
        map(writable, length);
    }

    private void map(boolean writable, long length) throws IOException {
        long capacity = writable ? Math.max(roundDown(maxIndexSize), roundDown(length)) : Math.max(length, entrySize);
        if (capacity < entrySize)
            throw new IllegalArgumentException("max index size " + maxIndexSize + " holds no entry of " + entrySize + " bytes");
        region = MappedRegion.map(path, capacity, !writable);
        region.assumeAllocated(roundDown(length));
        buf = region.sharedView();
        maxEntries = writable ? (int) (capacity / entrySize) : entries;
    }

    private long roundDown(long size) {
        return size - size % entrySize;
    }

    public Path path() {
        return path;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        return entries;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** Bytes of valid entries, which is what the file is trimmed to. */
    public int sizeInBytes() {
        return entries * entrySize;
    }

    protected int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE)
            throw new IllegalArgumentException("offset " + offset + " does not fit an index based at " + baseOffset);
        return (int) relative;
    }

    /** Checks there is a free slot and that the disk backs it (see {@link MappedRegion#ensureAllocated}). */
    protected void checkRoom() throws IOException {
        if (entries >= maxEntries)
            throw new IllegalStateException("index " + path + " is full (" + entries + " entries)");
        region.ensureAllocated((long) (entries + 1) * entrySize, 64 * 1024);
    }

    /**
     * Index of the last entry whose key is at most {@code target}, or -1 when every entry is
     * larger. Keys are strictly increasing, so a binary search over the mapping suffices.
     */
    protected int largestLowerBound(long target) {
        int lo = 0;
        int hi = entries - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    protected abstract long keyAt(int n);

    /** Keeps the first {@code n} entries. */
    protected void truncateToEntries(int n) {
        entries = Math.min(entries, Math.max(n, 0));
        onTruncated();
    }

    protected void onTruncated() {
    }

    public void reset() {
        truncateToEntries(0);
    }

    /** Flusher-thread safe: retries when the owner remapped the index meanwhile. */
    public void flush() throws IOException {
        MappedRegion current;
        do {
            current = region;
        } while (!current.trySync(sizeInBytes(), false) && current != region);
    }

    /** Trims the file to its entries and remaps it read-only: the segment takes no more appends. */
    public void makeReadOnly() throws IOException {
        if (region.readOnly())
            return;
        trim();
        region.close();
        map(false, sizeInBytes());
    }

    private void trim() throws IOException {
        region.truncateFile(sizeInBytes());
    }

    /** Re-opens a trimmed index for appends again, preallocated to the maximum size. */
    public void makeWritable() throws IOException {
        if (!region.readOnly())
            return;
        region.close();
        map(true, sizeInBytes());
    }

    public void renameTo(Path target) throws IOException {
        Files.move(path, target, StandardCopyOption.REPLACE_EXISTING);
        path = target;
        region.movedTo(target);
    }

    @Override
    public void close() throws IOException {
        if (!region.readOnly())
            trim();
        region.close();
    }

    public void closeAndDelete() throws IOException {
        region.close();
        Files.deleteIfExists(path);
    }

    /** Kafka's start-up check: a sane index is a whole number of entries, ascending from the base offset. */
    public abstract void sanityCheck() throws CorruptIndexException;

    protected void checkLength() throws CorruptIndexException {
        if (lengthAtOpen % entrySize != 0)
            throw new CorruptIndexException("index file " + path + " has length " + lengthAtOpen
                + ", which is not a multiple of " + entrySize);
    }
}
