package io.gregor.storage.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.checkpoint.LeaderEpochCheckpointFile;
import io.gregor.storage.epoch.LeaderEpochFileCache;
import io.gregor.storage.index.CorruptIndexException;
import io.gregor.storage.record.BatchHeader;
import io.gregor.storage.record.BatchValidator;

/**
 * Opens a partition directory as a {@link Log}. After a clean shutdown the trimmed files are
 * trusted (indexes still pass Kafka's sanity check or are rebuilt). After a crash every segment
 * from the one holding the recovery point on is scanned batch by batch: a torn or corrupt tail
 * is cut off, later segments are dropped, and the indexes are rebuilt from the data.
 */
public final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    private final Path dir;
    private final TopicPartition topicPartition;
    private final LogConfig config;
    private final Time time;

    private LogLoader(Path dir, TopicPartition topicPartition, LogConfig config, Time time) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.config = config;
        this.time = time;
    }

    /** Offsets remembered in the log dir's checkpoint files for this partition (-1 when absent). */
    public record Checkpoints(boolean cleanShutdown, long recoveryPoint, long logStartOffset, long highWatermark) {
        public static final Checkpoints NEW = new Checkpoints(true, 0L, 0L, 0L);
    }

    public static Log load(Path dir, TopicPartition topicPartition, LogConfig config, Time time, Scheduler scheduler,
                           LogDirHealth health, Checkpoints checkpoints) throws IOException {
        return new LogLoader(dir, topicPartition, config, time).load(scheduler, health, checkpoints);
    }

    private Log load(Scheduler scheduler, LogDirHealth health, Checkpoints checkpoints) throws IOException {
        Files.createDirectories(dir);
        TreeSet<Long> baseOffsets = removeLeftoversAndListSegments();
        LeaderEpochFileCache epochCache = new LeaderEpochFileCache(LeaderEpochCheckpointFile.inPartitionDir(dir));
        ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
        long recoveryPoint = Math.max(checkpoints.recoveryPoint(), 0L);
        try {
            openSegments(baseOffsets, segments, epochCache, checkpoints.cleanShutdown(), recoveryPoint);
            if (segments.isEmpty()) {
                long start = Math.max(checkpoints.logStartOffset(), 0L);
                segments.put(start, LogSegment.create(dir, start, config, time.milliseconds(), 0));
            }
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments.values())
                closeQuietly(segment);
            throw e;
        }
        long logEndOffset = segments.lastEntry().getValue().readNextOffset();
        long logStartOffset = Math.max(checkpoints.logStartOffset(), segments.firstKey());
        logStartOffset = Math.min(logStartOffset, logEndOffset);
        epochCache.truncateFromEnd(logEndOffset);
        epochCache.truncateFromStart(logStartOffset);
        long newRecoveryPoint = checkpoints.cleanShutdown() ? logEndOffset : Math.min(recoveryPoint, logEndOffset);
        log.info("Loaded {} with {} segments, log start offset {}, log end offset {}, recovery point {}",
            topicPartition, segments.size(), logStartOffset, logEndOffset, newRecoveryPoint);
        return new Log(topicPartition, dir, config, time, scheduler, health, segments, epochCache,
            logStartOffset, newRecoveryPoint, checkpoints.highWatermark());
    }

    /**
     * Deletes what an interrupted operation left (segments pending deletion, temporary files,
     * indexes without data) and returns the base offsets of the segments.
     */
    private TreeSet<Long> removeLeftoversAndListSegments() throws IOException {
        TreeSet<Long> logs = new TreeSet<>();
        List<Path> indexes = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogFiles.DELETED_SUFFIX) || name.endsWith(".tmp")
                        || name.endsWith(LogFiles.CLEANED_SUFFIX) || name.endsWith(LogFiles.SWAP_SUFFIX)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(LogFiles.LOG_SUFFIX) && LogFiles.baseOffsetOf(name) >= 0) {
                    logs.add(LogFiles.baseOffsetOf(name));
                } else if ((name.endsWith(LogFiles.INDEX_SUFFIX) || name.endsWith(LogFiles.TIME_INDEX_SUFFIX))
                        && LogFiles.baseOffsetOf(name) >= 0) {
                    indexes.add(file);
                }
            }
        }
        for (Path index : indexes) {
            if (!logs.contains(LogFiles.baseOffsetOf(index.getFileName().toString()))) {
                log.warn("Deleting index {} of {}: its segment file is missing", index, topicPartition);
                Files.deleteIfExists(index);
            }
        }
        return logs;
    }

    private void openSegments(TreeSet<Long> baseOffsets, ConcurrentSkipListMap<Long, LogSegment> segments,
                              LeaderEpochFileCache epochCache, boolean cleanShutdown, long recoveryPoint)
            throws IOException {
        Long firstUnflushed = cleanShutdown ? null : baseOffsets.floor(recoveryPoint);
        if (!cleanShutdown && firstUnflushed == null && !baseOffsets.isEmpty())
            firstUnflushed = baseOffsets.first();
        BatchValidator validator = new BatchValidator();
        Long last = baseOffsets.isEmpty() ? null : baseOffsets.last();
        for (long baseOffset : baseOffsets) {
            boolean active = baseOffset == last;
            boolean recover = firstUnflushed != null && baseOffset >= firstUnflushed;
            if (!indexesExist(baseOffset)) {
                log.warn("Rebuilding the indexes of segment {} of {}: index files are missing", baseOffset, topicPartition);
                recover = true;
            }
            LogSegment segment = LogSegment.open(dir, baseOffset, config, time.milliseconds(), recover || active);
            segments.put(baseOffset, segment);
            if (!recover) {
                try {
                    segment.sanityCheck();
                } catch (CorruptIndexException e) {
                    log.warn("Rebuilding the indexes of segment {} of {}: {}", baseOffset, topicPartition, e.getMessage());
                    recover = true;
                }
            }
            if (recover) {
                int truncated = segment.recover(validator, (buf, pos) -> {
                    int epoch = BatchHeader.partitionLeaderEpoch(buf, pos);
                    if (epoch >= 0 && epoch > epochCache.latestEpoch().orElse(-1))
                        epochCache.assign(epoch, BatchHeader.baseOffset(buf, pos));
                });
                if (truncated > 0 && !active) {
                    dropSegmentsAfter(baseOffset, baseOffsets, segments);
                    return;
                }
            }
            if (!active && !segment.isEmpty())
                segment.onBecomeInactive();
        }
    }

    private boolean indexesExist(long baseOffset) {
        return Files.exists(LogFiles.offsetIndexFile(dir, baseOffset, ""))
            && Files.exists(LogFiles.timeIndexFile(dir, baseOffset, ""));
    }

    /** A segment cut short in the middle of the log makes every later segment unreachable: remove them. */
    private void dropSegmentsAfter(long baseOffset, TreeSet<Long> baseOffsets,
                                   ConcurrentSkipListMap<Long, LogSegment> segments) throws IOException {
        for (long later : baseOffsets.tailSet(baseOffset, false)) {
            log.warn("Deleting segment {} of {}: it follows a segment whose tail was corrupt", later, topicPartition);
            Files.deleteIfExists(LogFiles.logFile(dir, later, ""));
            Files.deleteIfExists(LogFiles.offsetIndexFile(dir, later, ""));
            Files.deleteIfExists(LogFiles.timeIndexFile(dir, later, ""));
        }
        segments.tailMap(baseOffset, false).clear();
    }

    private static void closeQuietly(LogSegment segment) {
        try {
            segment.close();
        } catch (IOException | RuntimeException e) {
            log.warn("Could not close {}: {}", segment, e.toString());
        }
    }
}
