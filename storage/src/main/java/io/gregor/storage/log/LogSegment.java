package io.gregor.storage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.index.CorruptIndexException;
import io.gregor.storage.index.OffsetIndex;
import io.gregor.storage.index.TimeIndex;
import io.gregor.storage.mmap.MappedRegion;
import io.gregor.storage.record.BatchHeader;
import io.gregor.storage.record.BatchValidator;

/**
 * One segment of a partition log: the {@code .log} file of concatenated v2 record batches,
 * exactly as Kafka writes it, with its sparse {@code .index} and {@code .timeindex}.
 *
 * <p>The active segment is mapped writable at its full capacity (so appends are plain memory
 * copies); when it stops being active it is trimmed to its data and remapped read-only. Batches
 * given to {@link #append} must already be valid; the segment only copies, stamps and indexes.
 * Every method but {@link #flush()} belongs to the partition's owner thread.
 */
public final class LogSegment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    /** Disk space is reserved this far ahead of the appends (see {@link MappedRegion#ensureAllocated}). */
    private static final long ALLOCATION_CHUNK = 1024 * 1024;

    private final Path dir;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final long createdMs;
    private final int activeCapacity;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private volatile MappedRegion data;
    private ByteBuffer buf;
    private volatile int size;
    private String suffix = "";

    private int bytesSinceLastIndexEntry;
    private long maxTimestampSoFar = -1L;
    private long offsetOfMaxTimestampSoFar;
    private long rollingBasedTimestamp = -1L;
    private volatile boolean metadataSynced;

    private LogSegment(Path dir, long baseOffset, LogConfig config, long createdMs, MappedRegion data, int size,
                       OffsetIndex offsetIndex, TimeIndex timeIndex) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.createdMs = createdMs;
        this.activeCapacity = config.segmentBytes();
        this.data = data;
        this.buf = data.sharedView();
        this.size = size;
        data.assumeAllocated(size);
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.offsetOfMaxTimestampSoFar = baseOffset;
    }

    /**
     * Creates an empty active segment, replacing leftovers of an earlier one with the same base
     * offset. {@code minCapacity} lets a segment hold an append larger than {@code segment.bytes}.
     */
    public static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs, int minCapacity)
            throws IOException {
        Path logFile = LogFiles.logFile(dir, baseOffset, "");
        Path indexFile = LogFiles.offsetIndexFile(dir, baseOffset, "");
        Path timeIndexFile = LogFiles.timeIndexFile(dir, baseOffset, "");
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(indexFile);
        Files.deleteIfExists(timeIndexFile);
        MappedRegion data = MappedRegion.map(logFile, Math.max(config.segmentBytes(), minCapacity), false);
        try {
            OffsetIndex offsetIndex = new OffsetIndex(indexFile, baseOffset, config.segmentIndexBytes(), true);
            TimeIndex timeIndex = new TimeIndex(timeIndexFile, baseOffset, config.segmentIndexBytes(), true);
            return new LogSegment(dir, baseOffset, config, nowMs, data, 0, offsetIndex, timeIndex);
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /**
     * Opens an existing segment. Its valid length is the file's length, which holds for a segment
     * trimmed on roll or clean shutdown; after a crash the log calls {@link #recover} on the
     * segments past its recovery point before trusting them.
     */
    public static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs, boolean active)
            throws IOException {
        Path logFile = LogFiles.logFile(dir, baseOffset, "");
        long fileSize = Files.size(logFile);
        if (fileSize > Integer.MAX_VALUE)
            throw new IOException("segment " + logFile + " is " + fileSize + " bytes, larger than a segment can be");
        int length = (int) fileSize;
        MappedRegion data = active
            ? MappedRegion.map(logFile, Math.max(config.segmentBytes(), length), false)
            : MappedRegion.map(logFile, Math.max(length, 1), true);
        try {
            OffsetIndex offsetIndex = new OffsetIndex(LogFiles.offsetIndexFile(dir, baseOffset, ""), baseOffset,
                config.segmentIndexBytes(), active);
            TimeIndex timeIndex = new TimeIndex(LogFiles.timeIndexFile(dir, baseOffset, ""), baseOffset,
                config.segmentIndexBytes(), active);
            long created = Files.getLastModifiedTime(logFile).toMillis();
            LogSegment segment = new LogSegment(dir, baseOffset, config, created, data, length, offsetIndex, timeIndex);
            segment.metadataSynced = !active;
            segment.loadTimestamps();
            return segment;
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public Path logFile() {
        return data.path();
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** Largest batch timestamp so far, or -1 when no batch carries one. */
    public long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /** Last offset of the batch that holds {@link #maxTimestampSoFar()}. */
    public long offsetOfMaxTimestampSoFar() {
        return offsetOfMaxTimestampSoFar;
    }

    /** The timestamp retention compares against: the newest batch's, or the file's mtime without one. */
    public long largestTimestamp() throws IOException {
        return maxTimestampSoFar > 0 ? maxTimestampSoFar : Files.getLastModifiedTime(data.path()).toMillis();
    }

    /** Time the segment has been waiting to be rolled by {@code segment.ms}, as Kafka measures it. */
    public long timeWaitedForRoll(long nowMs, long appendTimestamp) {
        if (rollingBasedTimestamp >= 0)
            return appendTimestamp - rollingBasedTimestamp;
        return nowMs - createdMs;
    }

    public boolean canFit(int bytes) {
        return !data.readOnly() && (long) size + bytes <= data.capacity();
    }

    public boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /** Whether {@code lastOffset} can still be stored as an int relative to this segment's base. */
    public boolean canIndex(long lastOffset) {
        long relative = lastOffset - baseOffset;
        return relative >= 0 && relative <= Integer.MAX_VALUE;
    }

    /**
     * Copies valid batches to the end of the segment and indexes them.
     *
     * @param firstOffset   offset to give the first batch (the leader assigns), or -1 to keep the batches' own
     * @param leaderEpoch   partition leader epoch to stamp, or -1 to keep
     * @param logAppendTime timestamp to stamp as LogAppendTime, or -1 to keep the producer's CreateTime
     * @param validator     recomputes the CRC when stamping LogAppendTime
     */
    public void append(ByteBuffer records, long firstOffset, int leaderEpoch, long logAppendTime, BatchValidator validator)
            throws IOException {
        int start = size;
        int length = records.remaining();
        if (!canFit(length))
            throw new IllegalStateException("segment " + data.path() + " cannot take " + length + " more bytes");
        data.ensureAllocated((long) start + length, ALLOCATION_CHUNK);
        buf.put(start, records, records.position(), length);
        int end = start + length;
        long nextOffset = firstOffset;
        for (int pos = start; pos < end; ) {
            int batchSize = BatchHeader.sizeInBytes(buf, pos);
            if (firstOffset >= 0) {
                BatchHeader.setBaseOffset(buf, pos, nextOffset);
                nextOffset += BatchHeader.lastOffsetDelta(buf, pos) + 1;
            }
            if (leaderEpoch >= 0)
                BatchHeader.setPartitionLeaderEpoch(buf, pos, leaderEpoch);
            if (logAppendTime >= 0)
                validator.setLogAppendTime(buf, pos, logAppendTime);
            indexBatch(pos, batchSize);
            pos += batchSize;
        }
        size = end;
    }

    private void indexBatch(int pos, int batchSize) throws IOException {
        long lastOffset = BatchHeader.lastOffset(buf, pos);
        long maxTimestamp = BatchHeader.maxTimestamp(buf, pos);
        if (rollingBasedTimestamp < 0)
            rollingBasedTimestamp = maxTimestamp;
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = lastOffset;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, pos);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /**
     * Position of the first batch whose last offset is at least {@code offset}, or -1 if none.
     * Starts from the offset index and walks batch headers only.
     */
    public int translateOffset(long offset) {
        int limit = size;
        int pos = offsetIndex.lookup(offset);
        while (pos < limit) {
            if (BatchHeader.lastOffset(buf, pos) >= offset)
                return pos;
            pos += BatchHeader.sizeInBytes(buf, pos);
        }
        return -1;
    }

    /**
     * Whole batches from the one holding {@code startOffset}, at most {@code maxSize} bytes, never
     * a batch whose base offset reaches {@code maxOffset}. With {@code minOneBatch} the first batch
     * is returned even if it is larger than {@code maxSize} (Kafka's rule, so a consumer always
     * makes progress). Returns null when the segment holds nothing at or after {@code startOffset}.
     */
    public LogSlice read(long startOffset, int maxSize, long maxOffset, boolean minOneBatch) {
        int start = translateOffset(startOffset);
        if (start < 0)
            return null;
        int limit = size;
        int end = start;
        while (end < limit) {
            if (BatchHeader.baseOffset(buf, end) >= maxOffset)
                break;
            int batchSize = BatchHeader.sizeInBytes(buf, end);
            boolean first = end == start;
            if (end - start + batchSize > maxSize && !(first && minOneBatch))
                break;
            end += batchSize;
        }
        if (end == start)
            return new LogSlice(null, ByteBuffer.allocate(0), baseOffset, start);
        MappedRegion.Lease lease = data.lease();
        return new LogSlice(lease, buf.slice(start, end - start), baseOffset, start);
    }

    /** Batch headers from {@code position}, for lookups that need per-batch fields. */
    public ByteBuffer dataView() {
        return buf;
    }

    /** Last offset of the last batch plus one, or the base offset of an empty segment. */
    public long readNextOffset() {
        int pos = offsetIndex.lookup(Long.MAX_VALUE);
        long next = baseOffset;
        int limit = size;
        while (pos < limit) {
            next = BatchHeader.lastOffset(buf, pos) + 1;
            pos += BatchHeader.sizeInBytes(buf, pos);
        }
        return next;
    }

    /**
     * Validates every batch from the start, rebuilds both indexes and cuts the data after the last
     * valid batch. Returns the number of bytes cut.
     */
    public int recover(BatchValidator validator, BatchVisitor visitor) throws IOException {
        if (data.readOnly())
            reopenWritable();
        offsetIndex.reset();
        timeIndex.reset();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = -1L;
        offsetOfMaxTimestampSoFar = baseOffset;
        rollingBasedTimestamp = -1L;
        int limit = size;
        int pos = 0;
        long expectedNext = baseOffset;
        String invalid = null;
        while (pos < limit) {
            int batchSize;
            try {
                batchSize = validator.validate(buf, pos, limit);
            } catch (CorruptRecordException e) {
                invalid = e.getMessage();
                break;
            }
            long batchBase = BatchHeader.baseOffset(buf, pos);
            long lastOffset = BatchHeader.lastOffset(buf, pos);
            if (batchBase < expectedNext || !canIndex(lastOffset)) {
                invalid = "Record batch at position " + pos + " has offsets " + batchBase + ".." + lastOffset
                    + ", which do not follow " + (expectedNext - 1) + " in a segment based at " + baseOffset;
                break;
            }
            if (offsetIndex.isFull() || timeIndex.isFull()) {
                invalid = "Record batch at position " + pos + " does not fit the index of " + offsetIndex.path();
                break;
            }
            indexBatch(pos, batchSize);
            visitor.visit(buf, pos);
            expectedNext = lastOffset + 1;
            pos += batchSize;
        }
        int truncated = limit - pos;
        if (truncated > 0) {
            if (!isZeros(pos, Math.min(limit, pos + BatchHeader.SIZE))) {
                log.warn("Found invalid bytes at position {} of {}: {}. Truncating the segment to its {} valid bytes",
                    pos, data.path(), invalid, pos);
            }
            // Recovery runs before any reader exists, so the stale tail can be cut from the file
            // itself instead of being zeroed page by page through the mapping.
            data.cutAndExtend(pos);
            size = pos;
        }
        return truncated;
    }

    /** Whether the bytes look like never-written preallocated space rather than a torn batch. */
    private boolean isZeros(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) != 0)
                return false;
        }
        return true;
    }

    /** Callback for each valid batch found by {@link #recover}. */
    @FunctionalInterface
    public interface BatchVisitor {
        void visit(ByteBuffer buf, int position);
    }

    /**
     * Removes every batch that holds an offset at or above {@code offset} (a batch straddling it
     * goes whole, as in Kafka). Returns the number of bytes removed.
     */
    public int truncateTo(long offset) throws IOException {
        int pos = translateOffset(offset);
        if (pos < 0)
            return 0;
        int removed = size - pos;
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        truncateToPosition(pos);
        reloadTimestamps();
        return removed;
    }

    /**
     * Cuts the data at {@code pos}. Bytes past the end are zeroed so that a crash before they are
     * overwritten can never bring a removed batch back during recovery.
     */
    private void truncateToPosition(int pos) throws IOException {
        int oldSize = size;
        size = pos;
        if (data.readOnly())
            reopenWritable();
        int at = pos;
        while (at < oldSize) {
            int n = Math.min(ZEROS.capacity(), oldSize - at);
            buf.put(at, ZEROS, 0, n);
            at += n;
        }
    }

    private void reopenWritable() throws IOException {
        MappedRegion old = data;
        data = MappedRegion.map(old.path(), Math.max(activeCapacity, size), false);
        data.assumeAllocated(size);
        buf = data.sharedView();
        old.close();
        offsetIndex.makeWritable();
        timeIndex.makeWritable();
        metadataSynced = false;
    }

    /** Recomputes the in-memory timestamp state from the batch headers (after opening or truncating). */
    private void reloadTimestamps() {
        maxTimestampSoFar = -1L;
        offsetOfMaxTimestampSoFar = baseOffset;
        rollingBasedTimestamp = -1L;
        bytesSinceLastIndexEntry = 0;
        int limit = size;
        int lastIndexed = offsetIndex.entries() == 0 ? 0 : offsetIndex.positionAt(offsetIndex.entries() - 1);
        for (int pos = 0; limit - pos >= BatchHeader.SIZE; ) {
            int batchSize = BatchHeader.sizeInBytes(buf, pos);
            // Unrecovered data (a crashed active segment, garbage at the tail) ends the walk; recover() cuts it.
            if (batchSize < BatchHeader.SIZE || batchSize > limit - pos)
                break;
            long maxTimestamp = BatchHeader.maxTimestamp(buf, pos);
            if (rollingBasedTimestamp < 0)
                rollingBasedTimestamp = maxTimestamp;
            if (maxTimestamp > maxTimestampSoFar) {
                maxTimestampSoFar = maxTimestamp;
                offsetOfMaxTimestampSoFar = BatchHeader.lastOffset(buf, pos);
            }
            if (pos >= lastIndexed)
                bytesSinceLastIndexEntry += batchSize;
            pos += batchSize;
        }
    }

    private void loadTimestamps() {
        if (!data.readOnly()) {
            reloadTimestamps();
        } else if (timeIndex.entries() > 0) {
            maxTimestampSoFar = timeIndex.lastTimestamp();
            offsetOfMaxTimestampSoFar = timeIndex.lastOffset();
        } else if (size > 0) {
            reloadTimestamps();
        }
    }

    /** Kafka's start-up check of both indexes; a failure means they must be rebuilt by {@link #recover}. */
    public void sanityCheck() throws CorruptIndexException {
        offsetIndex.sanityCheck();
        timeIndex.sanityCheck();
        if (offsetIndex.entries() > 0 && offsetIndex.positionAt(offsetIndex.entries() - 1) >= Math.max(size, 1))
            throw new CorruptIndexException("index " + offsetIndex.path() + " points past the end of " + data.path());
    }

    /**
     * Called when a new segment takes over: records the final time index entry, trims every file
     * to its data and remaps it read-only, releasing the preallocated tail.
     */
    public void onBecomeInactive() throws IOException {
        if (data.readOnly())
            return;
        appendFinalTimeIndexEntry();
        data.truncateFile(size);
        MappedRegion old = data;
        data = MappedRegion.map(old.path(), Math.max(size, 1), true);
        buf = data.sharedView();
        old.close();
        offsetIndex.makeReadOnly();
        timeIndex.makeReadOnly();
    }

    private void appendFinalTimeIndexEntry() throws IOException {
        if (maxTimestampSoFar >= 0 && maxTimestampSoFar > timeIndex.lastTimestamp()
                && timeIndex.entries() < timeIndex.maxEntries())
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
    }

    /**
     * Forces data and indexes to the device; safe to call from the flusher thread while the owner
     * appends, since it only syncs what was already published by {@code size}.
     */
    public void flush() throws IOException {
        int length = size;
        MappedRegion current;
        boolean synced;
        do {
            current = data;
            boolean metadata = current.readOnly() && !metadataSynced;
            synced = current.trySync(length, metadata);
            if (synced && metadata)
                metadataSynced = true;
        } while (!synced && current != data);
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames the files with {@code newSuffix} (e.g. ".deleted"), keeping them mapped for readers. */
    public void changeFileSuffix(String newSuffix) throws IOException {
        Path target = LogFiles.logFile(dir, baseOffset, newSuffix);
        Files.move(data.path(), target, StandardCopyOption.REPLACE_EXISTING);
        data.movedTo(target);
        offsetIndex.renameTo(LogFiles.offsetIndexFile(dir, baseOffset, newSuffix));
        timeIndex.renameTo(LogFiles.timeIndexFile(dir, baseOffset, newSuffix));
        suffix = newSuffix;
    }

    public String fileSuffix() {
        return suffix;
    }

    /** Trims and closes; the memory goes once the last reader's lease is released. */
    @Override
    public void close() throws IOException {
        try {
            if (!data.readOnly()) {
                appendFinalTimeIndexEntry();
                data.truncateFile(size);
            }
        } finally {
            data.close();
            offsetIndex.close();
            timeIndex.close();
        }
    }

    public void closeAndDelete() throws IOException {
        data.close();
        offsetIndex.closeAndDelete();
        timeIndex.closeAndDelete();
        Files.deleteIfExists(data.path());
    }

    @Override
    public String toString() {
        return "LogSegment(baseOffset=" + baseOffset + ", size=" + size + ", file=" + data.path() + ")";
    }
}
