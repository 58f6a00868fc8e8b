package io.gregor.storage.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.gregor.storage.index.OffsetIndex;
import io.gregor.storage.index.TimeIndex;
import io.gregor.storage.record.BatchHeader;

/**
 * Kills a child process that appends to a log ({@link CrashingAppender}) with SIGKILL at random
 * moments, over and over on the same log dir, and checks after each crash that the recovered log
 * is a valid prefix of the deterministic batch sequence holding at least every batch the child
 * reported flushed, with indexes that point at the right batches.
 */
class CrashRecoveryTest {
    private static final int ROUNDS = 22;
    private static final long CHILD_DEADLINE_MS = 30_000L;

    @TempDir
    Path tmp;

    /** What the parent found in the log after a crash. */
    private record Recovered(long batches, long logEndOffset, int segments) {
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLogKilledWithSigkillWhileAppendingRecoversToAValidPrefixHoldingEveryFlushedBatch() throws Exception {
        Path logDir = tmp.resolve("logs");
        Files.createDirectories(logDir);
        Random random = new Random(20240611L);
        Recovered previous = new Recovered(0, 0, 0);
        long totalFlushedLines = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String context = "round " + round;
            ChildRun run = ChildRun.start(logDir, tmp.resolve("child-" + round + ".err"));
            List<String> lines;
            try {
                String started = run.awaitLine("started", CHILD_DEADLINE_MS);
                assertNotNull(started, context + ": the child did not start\n" + run.stderrTail());
                String[] parts = started.split(" ");
                assertEquals(previous.batches(), Long.parseLong(parts[1]), context + ": the child's next batch id");
                assertEquals(previous.logEndOffset(), Long.parseLong(parts[2]), context + ": the child's log end offset");
                assertNotNull(run.awaitLine("flushed", CHILD_DEADLINE_MS),
                    context + ": the child reported no flush\n" + run.stderrTail());
                // A random moment after the first flush: sometimes at once, sometimes after several rolls.
                long delayMs = random.nextInt(4) == 0 ? random.nextInt(5) : random.nextInt(500);
                if (run.process.waitFor(delayMs, TimeUnit.MILLISECONDS))
                    fail(context + ": the child exited by itself with " + run.process.exitValue() + "\n" + run.stderrTail());
                run.process.destroyForcibly();
                assertTrue(run.process.waitFor(30, TimeUnit.SECONDS), context + ": the child did not die");
                assertEquals(137, run.process.exitValue(), context + ": the child died of SIGKILL");
                lines = run.allLines();
            } finally {
                run.destroy();
            }

            long flushedBatches = previous.batches();
            long flushedEnd = previous.logEndOffset();
            for (String line : lines) {
                if (!line.startsWith("flushed "))
                    continue;
                String[] parts = line.split(" ");
                assertTrue(Long.parseLong(parts[1]) >= flushedBatches, context + ": flushed lines go forward: " + line);
                flushedBatches = Long.parseLong(parts[1]);
                flushedEnd = Long.parseLong(parts[2]);
                totalFlushedLines++;
            }

            assertFalse(Files.exists(logDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)),
                context + ": a killed broker leaves no clean shutdown marker, so the start must recover");
            LogManager manager = new LogManager(
                LogManagerConfig.defaults(List.of(logDir)).withDefaultConfig(CrashingAppender.config()), Time.SYSTEM);
            boolean clean = round % 2 == 0;
            try {
                manager.startup();
                assertTrue(manager.offlineLogDirs().isEmpty(), context + ": log dir went offline during recovery");
                Log log = manager.getLog(CrashingAppender.TP).orElseThrow(() -> new AssertionError(context + ": no log"));
                Recovered recovered = verifyLog(log, context);
                assertTrue(recovered.batches() >= flushedBatches, context + ": recovered " + recovered.batches()
                    + " batches but the child had flushed " + flushedBatches);
                assertTrue(recovered.logEndOffset() >= flushedEnd, context + ": recovered log end "
                    + recovered.logEndOffset() + " but the child had flushed up to " + flushedEnd);
                assertTrue(recovered.batches() >= previous.batches(), context + ": lost batches of an earlier round");
                assertTrue(log.recoveryPoint() <= recovered.logEndOffset(), context + ": recovery point "
                    + log.recoveryPoint() + " beyond the log end " + recovered.logEndOffset());
                previous = recovered;
            } finally {
                if (clean) {
                    manager.close();
                } else {
                    closeWithoutCheckpoints(manager);
                }
            }
            assertEquals(clean, Files.exists(logDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)), context);
        }
        assertTrue(totalFlushedLines >= ROUNDS, "every round flushed at least once");
        assertTrue(previous.segments() >= 5, "the log rolled several times: " + previous);
    }

    /**
     * Stops the manager like a broker that dies after the segments were closed: no final flush, no
     * checkpoints, no clean shutdown marker. The next start recovers from the recovery point the
     * killed child checkpointed last.
     */
    private static void closeWithoutCheckpoints(LogManager manager) throws InterruptedException {
        ((LogScheduler) manager.scheduler()).close();
        for (Log log : manager.allLogs())
            log.close();
    }

    /** Reads the whole log back and checks batches, offsets, contents and both indexes of every segment. */
    private static Recovered verifyLog(Log log, String context) {
        assertEquals(0, log.logStartOffset(), context);
        long expectedOffset = 0;
        long id = 0;
        List<RecordBatch> batches = LogTestSupport.readAll(log, 0);
        for (RecordBatch batch : batches) {
            CrashingAppender.BatchSpec spec = CrashingAppender.spec(id);
            String where = context + ", batch " + id + " at offset " + expectedOffset;
            assertEquals(expectedOffset, batch.baseOffset(), where + ": base offset");
            assertEquals(expectedOffset + spec.records() - 1, batch.lastOffset(), where + ": last offset");
            assertEquals(spec.codec(), batch.compressionType(), where + ": codec");
            assertEquals(1, batch.partitionLeaderEpoch(), where + ": leader epoch");
            int i = 0;
            for (Record record : batch) {
                assertEquals(expectedOffset + i, record.offset(), where);
                assertEquals(spec.timestamp() + i, record.timestamp(), where + ": timestamp of record " + i);
                assertArrayEquals(TestBatches.key(id, i), Utils.toArray(record.key()), where + ": key of record " + i);
                assertArrayEquals(TestBatches.value(id, i, spec.valueSize()), Utils.toArray(record.value()),
                    where + ": value of record " + i);
                i++;
            }
            assertEquals(spec.records(), i, where + ": records");
            expectedOffset += spec.records();
            id++;
        }
        assertEquals(expectedOffset, log.logEndOffset(), context + ": log end offset after " + id + " batches");
        if (id > 0)
            assertEquals(id, CrashingAppender.nextBatchId(log), context + ": next batch id from the last key");
        verifySegmentsAndIndexes(log, context, CrashingAppender.config().indexIntervalBytes());
        return new Recovered(id, expectedOffset, log.numberOfSegments());
    }

    /**
     * Checks that the segments are contiguous and that every entry of both indexes names a batch of
     * its segment: an offset index entry the position and last offset of a batch, a time index entry
     * (timestamps rising) the last offset and max timestamp of a batch.
     */
    static void verifySegmentsAndIndexes(Log log, String context, int indexIntervalBytes) {
        List<LogSegment> segments = new ArrayList<>(log.segments());
        long expectedBase = log.logStartOffset();
        for (int s = 0; s < segments.size(); s++) {
            LogSegment segment = segments.get(s);
            boolean last = s == segments.size() - 1;
            String where = context + ", " + segment;
            assertEquals(expectedBase, segment.baseOffset(), where + ": segments are contiguous");
            assertTrue(last || !segment.isEmpty(), where + ": an empty segment in the middle of the log");

            // Walk the batches: position -> last offset, and last offset -> max timestamp.
            ByteBuffer data = segment.dataView();
            Map<Integer, Long> lastOffsetAt = new HashMap<>();
            Map<Long, Long> maxTimestampOf = new HashMap<>();
            long next = segment.baseOffset();
            for (int pos = 0; pos < segment.size(); pos += BatchHeader.sizeInBytes(data, pos)) {
                assertEquals(next, BatchHeader.baseOffset(data, pos), where + ": batch at position " + pos);
                lastOffsetAt.put(pos, BatchHeader.lastOffset(data, pos));
                maxTimestampOf.put(BatchHeader.lastOffset(data, pos), BatchHeader.maxTimestamp(data, pos));
                next = BatchHeader.lastOffset(data, pos) + 1;
            }
            assertEquals(next, segment.readNextOffset(), where);
            long nextBase = last ? log.logEndOffset() : segments.get(s + 1).baseOffset();
            assertEquals(nextBase, next, where + ": the segment ends where the next begins");

            OffsetIndex index = segment.offsetIndex();
            long previousOffset = -1;
            int previousPosition = -1;
            for (int n = 0; n < index.entries(); n++) {
                long offset = index.offsetAt(n);
                int position = index.positionAt(n);
                String entry = where + ": offset index entry " + n + " (" + offset + " -> " + position + ")";
                assertTrue(offset > previousOffset && position > previousPosition, entry + " is not ascending");
                Long lastOffset = lastOffsetAt.get(position);
                assertNotNull(lastOffset, entry + " points between batches");
                assertEquals(offset, lastOffset.longValue(), entry + " names the wrong batch");
                previousOffset = offset;
                previousPosition = position;
            }
            // Kafka indexes a batch once more than index.interval.bytes precede it since the last entry,
            // so the second batch is indexed whenever the first one alone exceeds the interval.
            if (lastOffsetAt.size() >= 2 && BatchHeader.sizeInBytes(data, 0) > indexIntervalBytes)
                assertTrue(index.entries() > 0, where + ": a segment of " + lastOffsetAt.size() + " batches ("
                    + segment.size() + " bytes) has an empty index");

            TimeIndex timeIndex = segment.timeIndex();
            long previousTimestamp = Long.MIN_VALUE;
            long previousTimeOffset = -1;
            for (int n = 0; n < timeIndex.entries(); n++) {
                long timestamp = timeIndex.timestampAt(n);
                long offset = timeIndex.offsetAt(n);
                String entry = where + ": time index entry " + n + " (" + timestamp + " -> " + offset + ")";
                assertTrue(timestamp > previousTimestamp, entry + ": timestamps must rise");
                assertTrue(offset >= previousTimeOffset, entry + ": offsets must not fall");
                Long batchMax = maxTimestampOf.get(offset);
                assertNotNull(batchMax, entry + " names no batch's last offset");
                assertEquals(timestamp, batchMax.longValue(), entry + " holds another timestamp than its batch");
                previousTimestamp = timestamp;
                previousTimeOffset = offset;
            }
            expectedBase = next;
        }
    }

    // ---------------------------------------------------------------- the child JVM

    /** A running {@link CrashingAppender} whose stdout lines are collected by a reader thread. */
    private static final class ChildRun {
        private static final String EOF = "\u0000eof";
        final Process process;
        final Path stderr;
        private final LinkedBlockingQueue<String> pending = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        private final Thread reader;
        private boolean ended;

        private ChildRun(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null)
                        pending.add(line);
                } catch (IOException e) {
                    // the pipe broke with the child
                } finally {
                    pending.add(EOF);
                }
            }, "crashing-appender-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static ChildRun start(Path logDir, Path stderr) throws IOException {
            List<String> command = ChildJvm.command(List.of(), CrashingAppender.class.getName(), logDir.toString());
            // stdin stays a pipe: the child exits when it closes, i.e. when this JVM is gone.
            Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            return new ChildRun(process, stderr);
        }

        /** Waits for the next line starting with {@code prefix}; null if the child ended or the deadline passed. */
        String awaitLine(String prefix, long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    return null;
                String line = pending.poll(left, TimeUnit.NANOSECONDS);
                if (line == null)
                    return null;
                if (line.equals(EOF)) {
                    ended = true;
                    return null;
                }
                seen.add(line);
                if (line.startsWith(prefix))
                    return line;
            }
            return null;
        }

        /** Every line the child printed; call after it died. */
        List<String> allLines() throws InterruptedException {
            reader.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(reader.isAlive(), "the child's stdout did not close");
            String line;
            while (!ended && (line = pending.poll()) != null) {
                if (line.equals(EOF))
                    ended = true;
                else
                    seen.add(line);
            }
            return seen;
        }

        String stderrTail() {
            try {
                String text = Files.readString(stderr);
                return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
            } catch (IOException e) {
                return "(no stderr: " + e + ")";
            }
        }

        void destroy() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
