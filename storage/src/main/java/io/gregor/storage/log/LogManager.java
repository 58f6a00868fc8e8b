package io.gregor.storage.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.storage.checkpoint.OffsetCheckpointFile;

/**
 * All partition logs of a broker across its {@code log.dirs}: loads them in parallel at start-up,
 * places new partitions on the dir with the fewest, writes the per-dir checkpoint files, and
 * marks a clean shutdown so the next start skips recovery.
 *
 * <p>Retention ({@link Log#deleteOldSegments()}) is not scheduled here: it mutates the log, so the
 * partition's owner runs it on its own thread. The manager only schedules what is safe from any
 * thread: fsyncs and checkpoint writes.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    public static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    private static final String DELETE_DIR_SUFFIX = "-delete";
    private static final String FUTURE_DIR_SUFFIX = "-future";

    private final LogManagerConfig config;
    private final Function<String, LogConfig> topicConfigs;
    private final Time time;
    private final LogScheduler scheduler;
    private final Map<Path, LogDirHealth> dirs = new HashMap<>();
    private final ConcurrentHashMap<TopicPartition, Log> logs = new ConcurrentHashMap<>();
    private final BiConsumer<Path, String> offlineListener;
    private final Object createLock = new Object();

    /**
     * @param topicConfigs the config of each topic (its overrides on the broker defaults), used
     *                     when loading existing partitions
     * @param offlineListener told once per log dir that goes offline
     */
    public LogManager(LogManagerConfig config, Function<String, LogConfig> topicConfigs, Time time,
                      BiConsumer<Path, String> offlineListener) {
        this.config = config;
        this.topicConfigs = topicConfigs;
        this.time = time;
        this.offlineListener = offlineListener;
        this.scheduler = new LogScheduler(2);
        for (Path dir : config.logDirs()) {
            Path absolute = dir.toAbsolutePath().normalize();
            dirs.put(absolute, new LogDirHealth(absolute, this::onDirOffline));
        }
    }

    public LogManager(LogManagerConfig config, Time time) {
        this(config, topic -> config.defaultConfig(), time, (dir, reason) -> { });
    }

    private void onDirOffline(Path dir, String reason) {
        logs.values().removeIf(l -> l.dir().getParent().equals(dir));
        offlineListener.accept(dir, reason);
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** Loads every partition of every dir, in parallel per dir, then starts the background tasks. */
    public void startup() {
        List<Thread> loaders = new ArrayList<>();
        for (LogDirHealth dir : dirs.values()) {
            Thread loader = new Thread(() -> loadDir(dir), "gregor-log-loader-" + dir.dir().getFileName());
            loaders.add(loader);
            loader.start();
        }
        for (Thread loader : loaders) {
            try {
                loader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading logs", e);
            }
        }
        if (liveLogDirs().isEmpty())
            throw new KafkaStorageException("All log directories are offline: " + dirs.keySet());
        scheduler.schedulePeriodic("log-flusher", this::flushDirtyLogs, config.flushCheckMs());
        scheduler.schedulePeriodic("recovery-point-checkpoint", this::checkpointRecoveryPoints,
            config.recoveryPointCheckpointMs());
        scheduler.schedulePeriodic("log-start-offset-checkpoint", this::checkpointLogStartOffsets,
            config.logStartOffsetCheckpointMs());
        scheduler.schedulePeriodic("high-watermark-checkpoint", this::checkpointHighWatermarks,
            config.highWatermarkCheckpointMs());
    }

    private void loadDir(LogDirHealth health) {
        Path dir = health.dir();
        long start = time.milliseconds();
        ExecutorService pool = Executors.newFixedThreadPool(config.recoveryThreadsPerDataDir(),
            task -> new Thread(task, "gregor-log-recovery-" + dir.getFileName()));
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
            boolean clean = Files.exists(marker);
            List<Path> partitionDirs = partitionDirs(dir);
            if (!clean && !partitionDirs.isEmpty())
                log.info("Log directory {} was not shut down cleanly: recovering its logs", dir);
            Map<TopicPartition, Long> recoveryPoints = read(dir, OffsetCheckpointFile.RECOVERY_POINT_FILE);
            Map<TopicPartition, Long> logStartOffsets = read(dir, OffsetCheckpointFile.LOG_START_OFFSET_FILE);
            Map<TopicPartition, Long> highWatermarks = read(dir, OffsetCheckpointFile.REPLICATION_OFFSET_FILE);
            List<Future<Log>> loading = new ArrayList<>();
            for (Path partitionDir : partitionDirs) {
                TopicPartition tp = parseTopicPartition(partitionDir);
                LogLoader.Checkpoints checkpoints = new LogLoader.Checkpoints(clean,
                    recoveryPoints.getOrDefault(tp, 0L), logStartOffsets.getOrDefault(tp, 0L),
                    highWatermarks.getOrDefault(tp, 0L));
                loading.add(pool.submit(() -> LogLoader.load(partitionDir, tp, topicConfigs.apply(tp.topic()), time,
                    scheduler, health, checkpoints)));
            }
            for (Future<Log> future : loading) {
                Log loaded = future.get();
                Log previous = logs.putIfAbsent(loaded.topicPartition(), loaded);
                if (previous != null) {
                    loaded.close();
                    throw new IOException("Duplicate log directories for " + loaded.topicPartition() + ": "
                        + previous.dir() + " and " + loaded.dir());
                }
            }
            Files.deleteIfExists(marker);
            log.info("Loaded {} logs from {} in {} ms", loading.size(), dir, time.milliseconds() - start);
        } catch (IOException | RuntimeException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            health.fail("loading logs from " + dir + " failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<TopicPartition, Long> read(Path dir, String name) throws IOException {
        return new OffsetCheckpointFile(dir.resolve(name)).read();
    }

    private List<Path> partitionDirs(Path dir) throws IOException {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.endsWith(DELETE_DIR_SUFFIX)) {
                    deleteRecursively(child);
                } else if (name.endsWith(FUTURE_DIR_SUFFIX)) {
                    log.warn("Ignoring {}: moving replicas between log dirs is not supported", child);
                } else if (parseTopicPartitionOrNull(name) != null) {
                    result.add(child);
                } else {
                    log.warn("Ignoring {}: not a partition directory", child);
                }
            }
        }
        return result;
    }

    static TopicPartition parseTopicPartition(Path partitionDir) {
        TopicPartition tp = parseTopicPartitionOrNull(partitionDir.getFileName().toString());
        if (tp == null)
            throw new IllegalArgumentException(partitionDir + " is not a partition directory");
        return tp;
    }

    private static TopicPartition parseTopicPartitionOrNull(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1)
            return null;
        try {
            int partition = Integer.parseInt(name.substring(dash + 1));
            return partition < 0 ? null : new TopicPartition(name.substring(0, dash), partition);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public Optional<Log> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<Log> allLogs() {
        return logs.values();
    }

    /** Returns the partition's log, creating it in the online dir holding the fewest partitions. */
    public Log getOrCreateLog(TopicPartition tp, LogConfig logConfig) {
        Log existing = logs.get(tp);
        if (existing != null)
            return existing;
        synchronized (createLock) {
            existing = logs.get(tp);
            if (existing != null)
                return existing;
            LogDirHealth health = leastLoadedDir();
            Path partitionDir = health.dir().resolve(tp.topic() + "-" + tp.partition());
            try {
                Log created = LogLoader.load(partitionDir, tp, logConfig, time, scheduler, health, LogLoader.Checkpoints.NEW);
                logs.put(tp, created);
                log.info("Created log for partition {} in {}", tp, health.dir());
                return created;
            } catch (IOException | RuntimeException e) {
                throw health.fail("creating the log of " + tp + " failed", e);
            }
        }
    }

    private LogDirHealth leastLoadedDir() {
        Map<Path, Integer> counts = new HashMap<>();
        for (LogDirHealth dir : dirs.values()) {
            if (!dir.isOffline())
                counts.put(dir.dir(), 0);
        }
        if (counts.isEmpty())
            throw new KafkaStorageException("No log directory is online: " + dirs.keySet());
        for (Log existing : logs.values())
            counts.computeIfPresent(existing.dir().getParent(), (dir, n) -> n + 1);
        Path chosen = counts.entrySet().stream()
            .min(Map.Entry.<Path, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
            .orElseThrow().getKey();
        return dirs.get(chosen);
    }

    /**
     * Removes a partition: its directory is renamed {@code <topic>-<partition>.<uuid>-delete} at
     * once and deleted after {@code file.delete.delay.ms}, as Kafka does.
     */
    public void deleteLog(TopicPartition tp) {
        Log removed = logs.remove(tp);
        if (removed == null)
            return;
        Path target = removed.dir().resolveSibling(removed.dir().getFileName() + "."
            + UUID.randomUUID().toString().replace("-", "") + DELETE_DIR_SUFFIX);
        try {
            removed.close();
            Files.move(removed.dir(), target);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not rename {} for deletion: {}", removed.dir(), e.toString());
            return;
        }
        scheduler.schedule("delete-log-" + tp, () -> {
            try {
                deleteRecursively(target);
            } catch (IOException e) {
                log.warn("Could not delete {}: {}", target, e.toString());
            }
        }, removed.config().fileDeleteDelayMs());
        log.info("Scheduled deletion of the log of {} ({})", tp, target);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root))
            return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(path);
        }
    }

    public List<Path> liveLogDirs() {
        return dirs.values().stream().filter(d -> !d.isOffline()).map(LogDirHealth::dir).sorted().toList();
    }

    public List<Path> offlineLogDirs() {
        return dirs.values().stream().filter(LogDirHealth::isOffline).map(LogDirHealth::dir).sorted().toList();
    }

    /** Flushes every log whose {@code flush.ms} has passed; runs on the scheduler. */
    public void flushDirtyLogs() {
        long now = time.milliseconds();
        for (Log partitionLog : logs.values()) {
            try {
                partitionLog.flushIfDue(now);
            } catch (KafkaStorageException e) {
                log.debug("Skipped flushing {}: {}", partitionLog, e.getMessage());
            }
        }
    }

    public void checkpointRecoveryPoints() {
        checkpoint(OffsetCheckpointFile.RECOVERY_POINT_FILE, Log::recoveryPoint);
    }

    public void checkpointLogStartOffsets() {
        checkpoint(OffsetCheckpointFile.LOG_START_OFFSET_FILE, Log::logStartOffset);
    }

    public void checkpointHighWatermarks() {
        checkpoint(OffsetCheckpointFile.REPLICATION_OFFSET_FILE, Log::highWatermark);
    }

    private void checkpoint(String fileName, Function<Log, Long> offset) {
        for (LogDirHealth dir : dirs.values()) {
            if (dir.isOffline())
                continue;
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (Log partitionLog : logs.values()) {
                if (partitionLog.dir().getParent().equals(dir.dir()))
                    offsets.put(partitionLog.topicPartition(), offset.apply(partitionLog));
            }
            try {
                new OffsetCheckpointFile(dir.dir().resolve(fileName)).write(offsets);
            } catch (IOException | RuntimeException e) {
                dir.fail("writing " + fileName + " failed", e);
            }
        }
    }

    /**
     * Clean shutdown: flushes every log, runs pending deletions, trims and closes the segments,
     * writes the checkpoints and the clean-shutdown marker, so the next start needs no recovery.
     */
    @Override
    public void close() {
        for (Log partitionLog : logs.values()) {
            try {
                partitionLog.flush(partitionLog.logEndOffset());
            } catch (KafkaStorageException e) {
                log.warn("Could not flush {} at shutdown: {}", partitionLog, e.getMessage());
            }
        }
        scheduler.close();
        checkpointRecoveryPoints();
        checkpointLogStartOffsets();
        checkpointHighWatermarks();
        for (Log partitionLog : logs.values()) {
            try {
                partitionLog.close();
            } catch (KafkaStorageException e) {
                log.warn("Could not close {}: {}", partitionLog, e.getMessage());
            }
        }
        for (LogDirHealth dir : dirs.values()) {
            if (dir.isOffline())
                continue;
            try {
                Files.createFile(dir.dir().resolve(CLEAN_SHUTDOWN_FILE));
            } catch (IOException e) {
                log.warn("Could not write the clean shutdown marker in {}: {}", dir.dir(), e.toString());
            }
        }
        logs.clear();
        log.info("Log manager shut down cleanly");
    }
}
