package io.gregor.storage.log;

import java.nio.file.Path;
import java.util.List;

/**
 * Broker-level settings of the log manager, under Kafka's names.
 *
 * @param logDirs                      {@code log.dirs}
 * @param recoveryThreadsPerDataDir    {@code num.recovery.threads.per.data.dir}
 * @param flushCheckMs                 {@code log.flush.scheduler.interval.ms}
 * @param recoveryPointCheckpointMs    {@code log.flush.offset.checkpoint.interval.ms}
 * @param logStartOffsetCheckpointMs   {@code log.flush.start.offset.checkpoint.interval.ms}
 * @param highWatermarkCheckpointMs    {@code replica.high.watermark.checkpoint.interval.ms}
 */
public record LogManagerConfig(
    List<Path> logDirs,
    LogConfig defaultConfig,
    int recoveryThreadsPerDataDir,
    long flushCheckMs,
    long recoveryPointCheckpointMs,
    long logStartOffsetCheckpointMs,
    long highWatermarkCheckpointMs) {

    public LogManagerConfig {
        logDirs = List.copyOf(logDirs);
        if (logDirs.isEmpty())
            throw new IllegalArgumentException("log.dirs must name at least one directory");
        if (recoveryThreadsPerDataDir < 1)
            throw new IllegalArgumentException("Invalid value " + recoveryThreadsPerDataDir
                + " for configuration num.recovery.threads.per.data.dir: Value must be at least 1");
    }

    /** Kafka's defaults for everything but the directories. */
    public static LogManagerConfig defaults(List<Path> logDirs) {
        return new LogManagerConfig(logDirs, LogConfig.DEFAULT, 1, Long.MAX_VALUE, 60_000L, 60_000L, 5_000L);
    }

    public LogManagerConfig withDefaultConfig(LogConfig config) {
        return new LogManagerConfig(logDirs, config, recoveryThreadsPerDataDir, flushCheckMs,
            recoveryPointCheckpointMs, logStartOffsetCheckpointMs, highWatermarkCheckpointMs);
    }

    public LogManagerConfig withRecoveryThreadsPerDataDir(int threads) {
        return new LogManagerConfig(logDirs, defaultConfig, threads, flushCheckMs,
            recoveryPointCheckpointMs, logStartOffsetCheckpointMs, highWatermarkCheckpointMs);
    }

    public LogManagerConfig withFlushCheckMs(long ms) {
        return new LogManagerConfig(logDirs, defaultConfig, recoveryThreadsPerDataDir, ms,
            recoveryPointCheckpointMs, logStartOffsetCheckpointMs, highWatermarkCheckpointMs);
    }
}
