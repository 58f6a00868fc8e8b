package io.gregor.storage.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.epoch.LeaderEpochFileCache;
import io.gregor.storage.record.BatchHeader;
import io.gregor.storage.record.BatchValidator;

/**
 * The log of one partition: an ordered set of segments, the last one active.
 *
 * <p>Threading: the partition's owner (one log shard) calls every method except
 * {@link #flush(long)} and the read-only accessors of the volatile offsets, which the flusher and
 * the checkpoint writer use. So the log needs no locks on its hot paths.
 *
 * <p>The high watermark is stored here but owned by the caller (the replica manager): the log only
 * keeps it within [log start, log end] and never deletes data at or above it.
 */
public final class Log implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Log.class);

    public static final long EARLIEST_TIMESTAMP = -2L;
    public static final long LATEST_TIMESTAMP = -1L;
    public static final long MAX_TIMESTAMP = -3L;
    public static final long EARLIEST_LOCAL_TIMESTAMP = -4L;

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Time time;
    private final Scheduler scheduler;
    private final LogDirHealth health;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final LeaderEpochFileCache epochCache;
    private final BatchValidator validator = new BatchValidator();
    private final Object flushLock = new Object();
    private volatile LogConfig config;

    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    private volatile long highWatermark;
    private volatile long lastFlushedMs;
    private long unflushedMessages;
    private boolean closed;
    /** Cached so the append path neither walks the segment map nor boxes the epoch. */
    private LogSegment active;
    private int latestEpoch;

    Log(TopicPartition topicPartition, Path dir, LogConfig config, Time time, Scheduler scheduler, LogDirHealth health,
        ConcurrentSkipListMap<Long, LogSegment> segments, LeaderEpochFileCache epochCache,
        long logStartOffset, long recoveryPoint, long highWatermark) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.health = health;
        this.segments = segments;
        this.epochCache = epochCache;
        this.active = segments.lastEntry().getValue();
        this.latestEpoch = epochCache.latestEpoch().orElse(-1);
        this.logEndOffset = active.readNextOffset();
        this.logStartOffset = logStartOffset;
        this.recoveryPoint = Math.min(recoveryPoint, logEndOffset);
        this.highWatermark = clampToLog(highWatermark);
        this.lastFlushedMs = time.milliseconds();
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** Takes effect for the next append, roll and retention pass, as a Kafka topic config change does. */
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below this is on the device. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long lastFlushedMs() {
        return lastFlushedMs;
    }

    /** Sets the high watermark (clamped to the log) and returns the value kept. */
    public long updateHighWatermark(long newHighWatermark) {
        highWatermark = clampToLog(newHighWatermark);
        return highWatermark;
    }

    private long clampToLog(long offset) {
        return Math.max(logStartOffset, Math.min(offset, logEndOffset));
    }

    public LeaderEpochFileCache leaderEpochCache() {
        return epochCache;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    public Collection<LogSegment> segments() {
        return segments.values();
    }

    public LogSegment activeSegment() {
        return active;
    }

    /** Bytes held by all segments. */
    public long size() {
        long total = 0;
        for (LogSegment segment : segments.values())
            total += segment.size();
        return total;
    }

    // ---------------------------------------------------------------- appends

    /**
     * Appends batches produced to this leader: validates each (size, magic, CRC, record count),
     * gives them the next offsets and {@code leaderEpoch} in place, and stamps LogAppendTime if
     * the topic asks for it. Nothing is appended if any batch is invalid.
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, null);
    }

    /** As {@link #appendAsLeader(ByteBuffer, int)}, with {@code guard} consulted once the batches are known valid. */
    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch, AppendGuard guard) {
        health.ensureOnline();
        LogConfig config = this.config;
        int start = records.position();
        int limit = records.limit();
        if (start == limit)
            return LogAppendInfo.empty(logStartOffset);
        long offsetCount = 0;
        int numMessages = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long relativeOffsetOfMax = -1;
        for (int pos = start; pos < limit; ) {
            int size = validator.validate(records, pos, limit);
            if (size > config.maxMessageBytes())
                throw new RecordTooLargeException("The record batch size in the append to " + topicPartition + " is "
                    + size + " bytes which exceeds the maximum configured value of " + config.maxMessageBytes() + ".");
            int count = BatchHeader.recordCount(records, pos);
            int lastOffsetDelta = BatchHeader.lastOffsetDelta(records, pos);
            if (count <= 0 || lastOffsetDelta != count - 1)
                throw new InvalidRecordException("Record batch at position " + (pos - start) + " for " + topicPartition
                    + " holds " + count + " records but a last offset delta of " + lastOffsetDelta);
            validator.validateRecordFraming(records, pos, size);
            long batchMax = BatchHeader.maxTimestamp(records, pos);
            offsetCount += count;
            numMessages += count;
            if (batchMax > maxTimestamp) {
                maxTimestamp = batchMax;
                relativeOffsetOfMax = offsetCount - 1;
            }
            pos += size;
        }
        if (guard != null) {
            LogAppendInfo instead = guard.beforeAppend(records, logStartOffset);
            if (instead != null)
                return instead;
        }
        long firstOffset = logEndOffset;
        long lastOffset = firstOffset + offsetCount - 1;
        long logAppendTime = config.timestampType() == TimestampType.LOG_APPEND_TIME ? time.milliseconds() : -1L;
        if (logAppendTime >= 0) {
            maxTimestamp = logAppendTime;
            relativeOffsetOfMax = offsetCount - 1;
        }
        try {
            LogSegment segment = maybeRoll(limit - start, maxTimestamp, firstOffset, lastOffset);
            segment.append(records, firstOffset, leaderEpoch, logAppendTime, validator);
            if (leaderEpoch > latestEpoch) {
                epochCache.assign(leaderEpoch, firstOffset);
                latestEpoch = leaderEpoch;
            }
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("append to " + topicPartition + " failed", e);
        }
        logEndOffset = lastOffset + 1;
        afterAppend(numMessages);
        LogAppendInfo info = new LogAppendInfo(firstOffset, lastOffset, maxTimestamp, firstOffset + relativeOffsetOfMax,
            logAppendTime, logStartOffset, numMessages, limit - start);
        if (guard != null)
            guard.afterAppend(records, info);
        return info;
    }

    /**
     * Appends batches copied from the leader, keeping their offsets and epochs. Offsets must rise
     * above this log's end; gaps are allowed (compacted leaders).
     */
    public LogAppendInfo appendAsFollower(ByteBuffer records) {
        health.ensureOnline();
        int start = records.position();
        int limit = records.limit();
        if (start == limit)
            return LogAppendInfo.empty(logStartOffset);
        long expectedNext = logEndOffset;
        long firstOffset = -1;
        long lastOffset = -1;
        int numMessages = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long offsetOfMax = -1;
        for (int pos = start; pos < limit; ) {
            int size = validator.validate(records, pos, limit);
            long base = BatchHeader.baseOffset(records, pos);
            long last = BatchHeader.lastOffset(records, pos);
            if (base < expectedNext)
                throw new InvalidRecordException("Follower append to " + topicPartition + " has offset " + base
                    + " below the expected " + expectedNext);
            if (firstOffset < 0)
                firstOffset = base;
            long batchMax = BatchHeader.maxTimestamp(records, pos);
            if (batchMax > maxTimestamp) {
                maxTimestamp = batchMax;
                offsetOfMax = last;
            }
            numMessages += BatchHeader.recordCount(records, pos);
            expectedNext = last + 1;
            lastOffset = last;
            pos += size;
        }
        try {
            LogSegment segment = maybeRoll(limit - start, maxTimestamp, firstOffset, lastOffset);
            segment.append(records, -1L, -1, -1L, validator);
            for (int pos = start; pos < limit; pos += BatchHeader.sizeInBytes(records, pos)) {
                int epoch = BatchHeader.partitionLeaderEpoch(records, pos);
                if (epoch > latestEpoch) {
                    epochCache.assign(epoch, BatchHeader.baseOffset(records, pos));
                    latestEpoch = epoch;
                }
            }
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("append to " + topicPartition + " failed", e);
        }
        logEndOffset = lastOffset + 1;
        afterAppend(numMessages);
        return new LogAppendInfo(firstOffset, lastOffset, maxTimestamp, offsetOfMax, -1L, logStartOffset,
            numMessages, limit - start);
    }


    private void afterAppend(int numMessages) {
        unflushedMessages += numMessages;
        if (unflushedMessages >= config.flushMessages()) {
            unflushedMessages = 0;
            scheduleFlush(logEndOffset);
        }
    }

    /**
     * Returns the segment to append to, rolling first when the active one is full by size, age,
     * index space or offset range.
     */
    private LogSegment maybeRoll(int appendSize, long maxTimestamp, long firstOffset, long lastOffset) throws IOException {
        LogSegment active = activeSegment();
        LogConfig config = this.config;
        long now = time.milliseconds();
        boolean full = !active.canFit(appendSize) || (long) active.size() + appendSize > config.segmentBytes();
        boolean old = active.size() > 0 && active.timeWaitedForRoll(now, maxTimestamp) > config.segmentMs();
        if (!full && !old && !active.indexesFull() && active.canIndex(lastOffset))
            return active;
        if (active.isEmpty() && active.baseOffset() == firstOffset) {
            // An append larger than segment.bytes: give it a segment of its own size.
            segments.remove(active.baseOffset());
            active.closeAndDelete();
            return addSegment(firstOffset, appendSize);
        }
        return roll(firstOffset, appendSize);
    }

    /** Starts a new active segment at {@code newBaseOffset} and schedules a flush of everything before it. */
    private LogSegment roll(long newBaseOffset, int minCapacity) throws IOException {
        LogSegment previous = activeSegment();
        previous.onBecomeInactive();
        LogSegment segment = addSegment(newBaseOffset, minCapacity);
        log.info("Rolled new log segment for {} at offset {} ({} bytes in the previous one)",
            topicPartition, newBaseOffset, previous.size());
        scheduleFlush(newBaseOffset);
        return segment;
    }

    /** Adds the new active segment: base offsets only grow, so it is always the last. */
    private LogSegment addSegment(long baseOffset, int minCapacity) throws IOException {
        LogSegment segment = LogSegment.create(dir, baseOffset, config, time.milliseconds(), minCapacity);
        segments.put(baseOffset, segment);
        active = segment;
        return segment;
    }

    /** Forces a roll, e.g. before deleting every segment; a no-op on an empty active segment. */
    public void roll() {
        health.ensureOnline();
        if (activeSegment().isEmpty())
            return;
        try {
            roll(logEndOffset, 0);
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("roll of " + topicPartition + " failed", e);
        }
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads whole batches from the one holding {@code fetchOffset}: at most {@code maxBytes}, but at
     * least one batch when {@code minOneBatch}, and nothing at or above {@code maxOffset} (the high
     * watermark for consumers, the log end for followers).
     *
     * @throws OffsetOutOfRangeException if {@code fetchOffset} is outside [log start, log end]
     */
    public FetchDataInfo read(long fetchOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
        health.ensureOnline();
        long start = logStartOffset;
        long end = logEndOffset;
        if (fetchOffset < start || fetchOffset > end)
            throw new OffsetOutOfRangeException("Received request for offset " + fetchOffset + " for partition "
                + topicPartition + ", but we only have log segments in the range " + start + " to " + end + ".");
        if (fetchOffset == end || fetchOffset >= maxOffset)
            return new FetchDataInfo(fetchOffset, LogSlice.EMPTY, start, end);
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(fetchOffset);
        if (entry == null)
            entry = segments.firstEntry();
        try {
            while (entry != null) {
                LogSlice slice = entry.getValue().read(fetchOffset, maxBytes, maxOffset, minOneBatch);
                if (slice != null)
                    return new FetchDataInfo(fetchOffset, slice, start, end);
                entry = segments.higherEntry(entry.getKey());
            }
        } catch (InternalError e) {
            throw health.fail("read of " + topicPartition + " failed", e);
        }
        return new FetchDataInfo(fetchOffset, LogSlice.EMPTY, start, end);
    }

    /**
     * ListOffsets: the earliest or latest offset, the record with the largest timestamp, or the
     * first record whose timestamp is at least {@code timestamp}. Returns null if no record
     * qualifies (Kafka answers offset -1 then).
     */
    public TimestampOffset fetchOffsetByTimestamp(long timestamp) {
        health.ensureOnline();
        if (timestamp == EARLIEST_TIMESTAMP || timestamp == EARLIEST_LOCAL_TIMESTAMP) {
            long start = logStartOffset;
            return new TimestampOffset(RecordBatch.NO_TIMESTAMP, start, epochFor(start));
        }
        if (timestamp == LATEST_TIMESTAMP)
            return new TimestampOffset(RecordBatch.NO_TIMESTAMP, logEndOffset, latestEpoch);
        if (timestamp == MAX_TIMESTAMP)
            return maxTimestampRecord();
        if (timestamp < 0)
            throw new IllegalArgumentException("unsupported ListOffsets timestamp " + timestamp);
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() < timestamp)
                continue;
            TimestampOffset found = firstRecordAtOrAfter(segment, timestamp);
            if (found != null)
                return found;
        }
        return null;
    }

    private int epochFor(long offset) {
        OptionalInt epoch = epochCache.epochForOffset(offset);
        return epoch.isPresent() ? epoch.getAsInt() : -1;
    }

    private TimestampOffset firstRecordAtOrAfter(LogSegment segment, long timestamp) {
        long fromOffset = Math.max(segment.timeIndex().lookup(timestamp), logStartOffset);
        ByteBuffer buf = segment.dataView();
        int limit = segment.size();
        for (int pos = segment.offsetIndex().lookup(fromOffset); pos < limit; pos += BatchHeader.sizeInBytes(buf, pos)) {
            if (BatchHeader.maxTimestamp(buf, pos) < timestamp)
                continue;
            for (Record record : batchAt(buf, pos)) {
                if (record.timestamp() >= timestamp && record.offset() >= logStartOffset)
                    return new TimestampOffset(record.timestamp(), record.offset(), BatchHeader.partitionLeaderEpoch(buf, pos));
            }
        }
        return null;
    }

    private TimestampOffset maxTimestampRecord() {
        LogSegment best = null;
        for (LogSegment segment : segments.values()) {
            if (best == null || segment.maxTimestampSoFar() > best.maxTimestampSoFar())
                best = segment;
        }
        if (best == null || best.maxTimestampSoFar() < 0)
            return new TimestampOffset(RecordBatch.NO_TIMESTAMP, -1L, -1);
        ByteBuffer buf = best.dataView();
        int limit = best.size();
        long target = best.maxTimestampSoFar();
        for (int pos = best.offsetIndex().lookup(best.offsetOfMaxTimestampSoFar()); pos < limit;
             pos += BatchHeader.sizeInBytes(buf, pos)) {
            if (BatchHeader.maxTimestamp(buf, pos) != target)
                continue;
            for (Record record : batchAt(buf, pos)) {
                if (record.timestamp() == target)
                    return new TimestampOffset(target, record.offset(), BatchHeader.partitionLeaderEpoch(buf, pos));
            }
        }
        return new TimestampOffset(RecordBatch.NO_TIMESTAMP, -1L, -1);
    }

    /** Decodes one batch (decompressing if needed); only ListOffsets by timestamp does this. */
    private static RecordBatch batchAt(ByteBuffer buf, int pos) {
        ByteBuffer slice = buf.slice(pos, BatchHeader.sizeInBytes(buf, pos));
        return MemoryRecords.readableRecords(slice).batches().iterator().next();
    }

    // ---------------------------------------------------------------- truncation and deletion

    /**
     * Removes every batch holding an offset at or above {@code targetOffset} (a follower that
     * diverged from its leader). Returns whether anything was removed.
     */
    public boolean truncateTo(long targetOffset) {
        health.ensureOnline();
        if (targetOffset < 0)
            throw new IllegalArgumentException("cannot truncate " + topicPartition + " to negative offset " + targetOffset);
        if (targetOffset >= logEndOffset)
            return false;
        if (targetOffset < segments.firstKey()) {
            truncateFullyAndStartAt(targetOffset);
            return true;
        }
        try {
            List<LogSegment> removed = new ArrayList<>(segments.tailMap(targetOffset, false).values());
            deleteSegments(removed, "truncation to " + targetOffset);
            active = segments.lastEntry().getValue();
            active.truncateTo(targetOffset);
            logEndOffset = active.readNextOffset();
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("truncation of " + topicPartition + " failed", e);
        }
        afterTruncation();
        log.info("Truncated {} to offset {}, log end offset now {}", topicPartition, targetOffset, logEndOffset);
        return true;
    }

    /** Drops every segment and starts an empty log at {@code newOffset}. */
    public void truncateFullyAndStartAt(long newOffset) {
        health.ensureOnline();
        try {
            // Old files are renamed away before the new segment is created: a new segment at an
            // old base offset would otherwise take over, and then lose, the old file names.
            deleteSegments(new ArrayList<>(segments.values()), "full truncation to " + newOffset);
            addSegment(newOffset, 0);
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("truncation of " + topicPartition + " failed", e);
        }
        logEndOffset = newOffset;
        logStartOffset = newOffset;
        epochCache.clearAndFlush();
        afterTruncation();
        log.info("Truncated {} fully, the log now starts at offset {}", topicPartition, newOffset);
    }

    private void afterTruncation() {
        epochCache.truncateFromEnd(logEndOffset);
        latestEpoch = epochCache.latestEpoch().orElse(-1);
        recoveryPoint = Math.min(recoveryPoint, logEndOffset);
        highWatermark = clampToLog(highWatermark);
        unflushedMessages = 0;
    }

    /**
     * DeleteRecords: moves the log start offset forward; whole segments below it are deleted by the
     * next retention pass. Returns the new log start offset.
     *
     * @throws OffsetOutOfRangeException if {@code newLogStartOffset} is above the high watermark
     */
    public long deleteRecordsBefore(long newLogStartOffset) {
        health.ensureOnline();
        if (newLogStartOffset > highWatermark)
            throw new OffsetOutOfRangeException("Cannot increment the log start offset to " + newLogStartOffset
                + " of partition " + topicPartition + " since it is larger than the high watermark " + highWatermark);
        if (newLogStartOffset > logStartOffset) {
            logStartOffset = newLogStartOffset;
            epochCache.truncateFromStart(newLogStartOffset);
            log.info("Incremented log start offset of {} to {} (DeleteRecords)", topicPartition, newLogStartOffset);
        }
        return logStartOffset;
    }

    /**
     * Retention: deletes whole segments that lie below the log start offset, are older than
     * {@code retention.ms}, or push the log over {@code retention.bytes}, oldest first. Never
     * deletes data at or above the high watermark. Returns the number of segments deleted.
     */
    public int deleteOldSegments() {
        health.ensureOnline();
        LogConfig config = this.config;
        long now = time.milliseconds();
        List<LogSegment> all = new ArrayList<>(segments.values());
        long bytesOverRetention = config.retentionBytes() < 0 ? -1 : size() - config.retentionBytes();
        List<LogSegment> deletable = new ArrayList<>();
        String reason = null;
        try {
            for (int i = 0; i < all.size(); i++) {
                LogSegment segment = all.get(i);
                long upperBound = i + 1 < all.size() ? all.get(i + 1).baseOffset() : logEndOffset;
                boolean last = i + 1 == all.size();
                if ((last && segment.isEmpty()) || upperBound > highWatermark)
                    break;
                String why;
                if (upperBound <= logStartOffset) {
                    why = "log start offset " + logStartOffset;
                } else if (config.deletesByRetention() && config.retentionMs() >= 0
                        && now - segment.largestTimestamp() > config.retentionMs()) {
                    why = "retention.ms " + config.retentionMs();
                } else if (config.deletesByRetention() && bytesOverRetention >= segment.size()) {
                    why = "retention.bytes " + config.retentionBytes();
                } else {
                    break;
                }
                if (bytesOverRetention >= 0)
                    bytesOverRetention -= segment.size();
                deletable.add(segment);
                reason = why;
            }
            if (deletable.isEmpty())
                return 0;
            if (deletable.size() == all.size())
                roll(logEndOffset, 0);
            deleteSegments(deletable, "breach of " + reason);
        } catch (IOException | UncheckedIOException | InternalError e) {
            throw health.fail("retention of " + topicPartition + " failed", e);
        }
        long firstBase = segments.firstKey();
        if (firstBase > logStartOffset) {
            logStartOffset = firstBase;
            epochCache.truncateFromStart(firstBase);
        }
        return deletable.size();
    }

    private void deleteSegments(List<LogSegment> toDelete, String reason) throws IOException {
        for (LogSegment segment : toDelete)
            segments.remove(segment.baseOffset());
        scheduleDeletion(toDelete, reason);
    }

    /**
     * Renames the files to {@code .deleted} now and removes them after {@code file.delete.delay.ms},
     * so fetches already holding a slice of them finish on intact files.
     */
    private void scheduleDeletion(List<LogSegment> toDelete, String reason) throws IOException {
        if (toDelete.isEmpty())
            return;
        for (LogSegment segment : toDelete) {
            log.info("Deleting segment {} of {} ({} bytes) due to {}", segment.baseOffset(), topicPartition,
                segment.size(), reason);
            segment.changeFileSuffix(LogFiles.DELETED_SUFFIX);
        }
        scheduler.schedule("delete-file-" + topicPartition, () -> {
            for (LogSegment segment : toDelete) {
                try {
                    segment.closeAndDelete();
                } catch (IOException e) {
                    log.warn("Could not delete {}: {}", segment, e.toString());
                }
            }
        }, config.fileDeleteDelayMs());
    }

    // ---------------------------------------------------------------- flush

    private void scheduleFlush(long upToOffset) {
        scheduler.schedule("flush-log-" + topicPartition, () -> {
            try {
                flush(upToOffset);
            } catch (KafkaStorageException e) {
                log.debug("Flush of {} skipped: {}", topicPartition, e.getMessage());
            }
        }, 0L);
    }

    /** Called periodically by the log manager: flushes when {@code flush.ms} has passed with unflushed data. */
    public void flushIfDue(long nowMs) {
        if (recoveryPoint < logEndOffset && nowMs - lastFlushedMs >= config.flushMs())
            flush(logEndOffset);
    }

    /**
     * Forces every segment holding offsets below {@code upToOffset} to the device and advances the
     * recovery point. Runs on the flusher thread, never the owner's.
     */
    public void flush(long upToOffset) {
        synchronized (flushLock) {
            health.ensureOnline();
            long target = Math.min(upToOffset, logEndOffset);
            if (target <= recoveryPoint)
                return;
            Long from = segments.floorKey(recoveryPoint);
            Map<Long, LogSegment> range = from == null ? segments.headMap(target) : segments.subMap(from, true, target, false);
            try {
                for (LogSegment segment : range.values())
                    segment.flush();
            } catch (IOException | UncheckedIOException | InternalError e) {
                throw health.fail("flush of " + topicPartition + " failed", e);
            }
            recoveryPoint = Math.max(recoveryPoint, target);
            lastFlushedMs = time.milliseconds();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Trims and closes every segment. Call {@link #flush(long)} first for a clean shutdown. */
    @Override
    public void close() {
        if (closed)
            return;
        closed = true;
        IOException failure = null;
        for (LogSegment segment : segments.values()) {
            try {
                segment.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null)
            throw health.fail("close of " + topicPartition + " failed", failure);
    }

    /** Closes the segments and removes the files at once (the partition is being deleted). */
    public void closeAndDeleteFiles() throws IOException {
        closed = true;
        for (LogSegment segment : segments.values())
            segment.closeAndDelete();
        segments.clear();
    }

    @Override
    public String toString() {
        return "Log(" + topicPartition + ", dir=" + dir + ", logStartOffset=" + logStartOffset
            + ", logEndOffset=" + logEndOffset + ")";
    }
}
