package io.gregor.storage.log;

import java.nio.file.Path;
import java.util.function.BiConsumer;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one log dir can still be used. The first I/O failure in a dir takes the whole dir
 * offline, as in Kafka: its logs refuse every further read and write with
 * {@link KafkaStorageException} instead of risking corrupt data, and the process keeps running.
 */
public final class LogDirHealth {
    private static final Logger log = LoggerFactory.getLogger(LogDirHealth.class);

    private final Path dir;
    private final BiConsumer<Path, String> onOffline;
    private volatile String offlineReason;

    public LogDirHealth(Path dir, BiConsumer<Path, String> onOffline) {
        this.dir = dir;
        this.onOffline = onOffline;
    }

    public Path dir() {
        return dir;
    }

    public boolean isOffline() {
        return offlineReason != null;
    }

    /** Why the dir went offline, or null while it is online. */
    public String offlineReason() {
        return offlineReason;
    }

    /** Takes the dir offline (once) and returns the exception to throw to the caller. */
    public KafkaStorageException fail(String what, Throwable cause) {
        String reason = what + ": " + cause;
        synchronized (this) {
            if (offlineReason == null) {
                offlineReason = reason;
                log.error("Log directory {} is offline: {}. Its partitions are unavailable until the disk is fixed "
                    + "and the broker restarted", dir, reason, cause);
                onOffline.accept(dir, reason);
            }
        }
        return new KafkaStorageException("Log directory " + dir + " is offline: " + reason, cause);
    }

    /** Throws if the dir is offline. */
    public void ensureOnline() {
        String reason = offlineReason;
        if (reason != null)
            throw new KafkaStorageException("Log directory " + dir + " is offline: " + reason);
    }
}
