package io.gregor.storage.log;

import static io.gregor.storage.log.LogTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.gregor.storage.checkpoint.OffsetCheckpointFile;

class LogManagerTest {
    private static final LogConfig SMALL = LogConfig.DEFAULT.with(Map.of(
        LogConfig.SEGMENT_BYTES, 64 * 1024, LogConfig.SEGMENT_INDEX_BYTES, 1024));

    @TempDir
    Path root;

    private LogManager manager(List<Path> dirs, List<String> offline) {
        LogManagerConfig config = LogManagerConfig.defaults(dirs).withDefaultConfig(SMALL).withRecoveryThreadsPerDataDir(2);
        LogManager manager = new LogManager(config, topic -> SMALL, Time.SYSTEM, (dir, reason) -> offline.add(dir.toString()));
        manager.startup();
        return manager;
    }

    @Test
    void newPartitionsGoToTheLogDirWithTheFewestAndEverythingSurvivesACleanRestart() throws IOException {
        List<Path> dirs = List.of(root.resolve("a"), root.resolve("b"), root.resolve("c"));
        LogManager manager = manager(dirs, new ArrayList<>());
        for (int p = 0; p < 9; p++) {
            Log log = manager.getOrCreateLog(new TopicPartition("orders", p), SMALL);
            for (int i = 0; i <= p; i++)
                log.appendAsLeader(TestBatches.batch(i, 10, 100, 1000L), 0);
            log.updateHighWatermark(log.logEndOffset());
        }
        for (Path dir : dirs) {
            try (var children = Files.list(dir)) {
                assertEquals(3, children.filter(Files::isDirectory).count(), dir + " holds a third of the partitions");
            }
        }
        manager.close();
        for (Path dir : dirs) {
            assertTrue(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
            Map<TopicPartition, Long> recovery = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT_FILE)).read();
            Map<TopicPartition, Long> hw = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_FILE)).read();
            assertEquals(3, recovery.size());
            recovery.forEach((tp, offset) -> assertEquals(10L * (tp.partition() + 1), offset, "flushed at shutdown: " + tp));
            assertEquals(recovery, hw);
        }

        LogManager reopened = manager(dirs, new ArrayList<>());
        assertEquals(9, reopened.allLogs().size());
        for (int p = 0; p < 9; p++) {
            Log log = reopened.getLog(new TopicPartition("orders", p)).orElseThrow();
            assertEquals(10L * (p + 1), log.logEndOffset());
            assertEquals(log.logEndOffset(), log.recoveryPoint(), "a clean shutdown needs no recovery");
            assertEquals(log.logEndOffset(), log.highWatermark());
            assertEquals(p + 1, readAll(log, 0).size());
        }
        for (Path dir : dirs)
            assertFalse(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)), "the marker goes once the logs are loaded");
        reopened.close();
    }

    @Test
    void aLogDirThatCannotBeUsedGoesOfflineWhileTheOthersServe() throws IOException {
        Path broken = root.resolve("broken");
        Files.writeString(broken, "a file where a directory should be");
        Path good = root.resolve("good");
        List<String> offline = new CopyOnWriteArrayList<>();
        LogManager manager = manager(List.of(broken, good), offline);
        assertEquals(List.of(broken.toAbsolutePath().normalize().toString()), offline);
        assertEquals(List.of(good.toAbsolutePath().normalize()), manager.liveLogDirs());
        Log log = manager.getOrCreateLog(new TopicPartition("t", 0), SMALL);
        log.appendAsLeader(TestBatches.batch(0, 1, 10, 1000L), 0);
        assertEquals(good.toAbsolutePath().normalize(), log.dir().getParent());
        manager.close();
    }

    @Test
    void startingWithEveryLogDirOfflineFailsWithAClearError() throws IOException {
        Path broken = root.resolve("broken");
        Files.writeString(broken, "x");
        KafkaStorageException e = assertThrows(KafkaStorageException.class, () -> manager(List.of(broken), new ArrayList<>()));
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
    }

    @Test
    void deletingAPartitionRenamesItsDirectoryAndRemovesItLater() throws IOException {
        LogManager manager = manager(List.of(root.resolve("d")), new ArrayList<>());
        TopicPartition tp = new TopicPartition("gone", 0);
        manager.getOrCreateLog(tp, SMALL.with(LogConfig.FILE_DELETE_DELAY_MS, 0)).appendAsLeader(
            TestBatches.batch(0, 1, 10, 1000L), 0);
        manager.deleteLog(tp);
        assertTrue(manager.getLog(tp).isEmpty());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (var children = Files.list(root.resolve("d"))) {
                if (children.noneMatch(Files::isDirectory))
                    break;
            }
            Thread.onSpinWait();
        }
        try (var children = Files.list(root.resolve("d"))) {
            assertTrue(children.noneMatch(Files::isDirectory));
        }
        manager.close();
    }

    /**
     * A full disk must take the log dir offline with a clear error, never crash the JVM: the
     * mapping is sparse, so the kernel only finds out when a page is first written. Needs a small
     * tmpfs, so it runs where the test may mount one (root in CI).
     */
    @Test
    void aFullDiskTakesTheLogDirOfflineInsteadOfCrashing() throws Exception {
        Path mount = root.resolve("tiny");
        Files.createDirectories(mount);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()) == 0,
            "needs permission to mount a tmpfs");
        try {
            List<String> offline = new CopyOnWriteArrayList<>();
            LogManager manager = manager(List.of(mount), offline);
            Log log = manager.getOrCreateLog(new TopicPartition("big", 0), SMALL.with(LogConfig.SEGMENT_BYTES, 16 * 1024 * 1024));
            KafkaStorageException full = assertThrows(KafkaStorageException.class, () -> {
                for (int i = 0; i < 10_000; i++)
                    log.appendAsLeader(TestBatches.batch(i, 10, 1000, 1000L), 0);
            });
            assertTrue(full.getMessage().contains("offline"), full.getMessage());
            assertEquals(1, offline.size());
            assertThrows(KafkaStorageException.class, () -> log.read(0, 1024, Long.MAX_VALUE, true),
                "an offline dir serves nothing rather than possibly corrupt data");
            manager.close();
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }
}
