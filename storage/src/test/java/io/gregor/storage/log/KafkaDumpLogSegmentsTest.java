package io.gregor.storage.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own {@code kafka.tools.DumpLogSegments} (kafka_2.13 3.9.2), run in a child JVM, reads
 * the segment and index files our log writes: every record with its offset, key and value, the
 * indexes pass Kafka's start-up sanity check and point at the right batches.
 */
class KafkaDumpLogSegmentsTest {
    private static final TopicPartition TP = new TopicPartition("dump", 0);
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;
    private static final CompressionType[] CODECS = {
        CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD
    };
    private static final Pattern RECORD_LINE = Pattern.compile(
        "^\\| offset: (\\d+) CreateTime: (\\d+) keySize: (\\d+) valueSize: (\\d+) .* key: (\\S+) payload: (\\S*)$");
    private static final Pattern BATCH_LINE = Pattern.compile(
        "^baseOffset: (\\d+) lastOffset: (\\d+) count: (\\d+) .* position: (\\d+) CreateTime: (-?\\d+) size: (\\d+) "
            + "magic: 2 compresscodec: (\\S+) crc: (\\d+) isvalid: (\\S+)$");

    @TempDir
    Path tmp;

    /** What the test appended: per offset, the record's key, value and timestamp; per batch, its codec. */
    private static final class Expected {
        final TreeMap<Long, List<String>> records = new TreeMap<>();
        final TreeMap<Long, CompressionType> batchCodecs = new TreeMap<>();
        final TreeMap<Long, Long> batchLastOffsets = new TreeMap<>();
    }

    private static LogConfig config() {
        return LogConfig.DEFAULT.with(Map.of(
            "segment.bytes", 32 * 1024,
            "segment.index.bytes", 4096,
            "index.interval.bytes", 128));
    }

    /** Appends {@code count} batches with mixed codecs, sizes and (sometimes falling) timestamps. */
    private static void appendBatches(Log log, long firstId, int count, Expected expected) {
        for (long id = firstId; id < firstId + count; id++) {
            Random random = new Random(id * 7919L + 17);
            int records = 1 + random.nextInt(12);
            int valueSize = 1 + random.nextInt(300);
            CompressionType codec = CODECS[(int) (id % CODECS.length)];
            // Every 7th batch carries older timestamps, so the time index must track the max so far.
            long timestamp = BASE_TIMESTAMP + id * 100 - (id % 7 == 0 ? 5_000 : 0);
            ByteBuffer batch = TestBatches.batch(id, records, valueSize, codec, timestamp);
            LogAppendInfo info = log.appendAsLeader(batch, 3);
            assertEquals(records - 1, info.lastOffset() - info.firstOffset());
            for (int i = 0; i < records; i++) {
                expected.records.put(info.firstOffset() + i, List.of(
                    new String(TestBatches.key(id, i), StandardCharsets.UTF_8),
                    new String(TestBatches.value(id, i, valueSize), StandardCharsets.UTF_8),
                    Long.toString(timestamp + i)));
            }
            expected.batchCodecs.put(info.firstOffset(), codec);
            expected.batchLastOffsets.put(info.firstOffset(), info.lastOffset());
        }
    }

    private static List<Path> filesWithSuffix(Path partitionDir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void kafkaDumpLogSegmentsReadsEveryRecordAndAcceptsTheIndexesOfACleanlyClosedLog() throws Exception {
        Path logDir = tmp.resolve("logs");
        Expected expected = new Expected();
        LogManager manager = new LogManager(LogManagerConfig.defaults(List.of(logDir)).withDefaultConfig(config()),
            Time.SYSTEM);
        Path partitionDir;
        try {
            manager.startup();
            Log log = manager.getOrCreateLog(TP, config());
            partitionDir = log.dir();
            appendBatches(log, 0, 600, expected);
            assertTrue(log.numberOfSegments() >= 4, "expected several segments, got " + log.numberOfSegments());
            for (LogSegment segment : log.segments())
                assertTrue(segment.offsetIndex().entries() > 10, "sparse index of " + segment + " has too few entries");
        } finally {
            manager.close();
        }
        List<Path> logs = filesWithSuffix(partitionDir, ".log");
        assertTrue(logs.size() >= 4);

        // (a) every record, with its offset, key and value, and nothing invalid at the end of any file.
        DumpResult dump = dumpLogSegments(join(logs), "--deep-iteration", "--print-data-log");
        dump.assertExitedCleanly();
        assertRecordsDumped(dump, expected, logs);

        // (b) Kafka's start-up sanity check of each index (the one that decides whether to rebuild).
        List<Path> indexes = new ArrayList<>(filesWithSuffix(partitionDir, ".index"));
        indexes.addAll(filesWithSuffix(partitionDir, ".timeindex"));
        assertEquals(2 * logs.size(), indexes.size());
        DumpResult sanity = dumpLogSegments(join(indexes), "--index-sanity-check");
        sanity.assertExitedCleanly();
        for (Path index : indexes)
            assertTrue(sanity.stdout.contains(index + " passed sanity check."), index + " did not pass:\n" + sanity);

        // (c) every index entry points at the batch it names, every time index entry holds that batch's max timestamp.
        DumpResult verify = dumpLogSegments(join(indexes), "--verify-index-only");
        verify.assertExitedCleanly();
        assertNoIndexComplaints(verify);

        // The last (formerly active) segment on its own, trimmed by the clean close.
        Path active = logs.get(logs.size() - 1);
        DumpResult activeDump = dumpLogSegments(active.toString(), "--deep-iteration", "--print-data-log");
        activeDump.assertExitedCleanly();
        long activeBase = LogFiles.baseOffsetOf(active.getFileName().toString());
        Expected activeOnly = new Expected();
        activeOnly.records.putAll(expected.records.tailMap(activeBase));
        activeOnly.batchCodecs.putAll(expected.batchCodecs.tailMap(activeBase));
        assertRecordsDumped(activeDump, activeOnly, List.of(active));
        String base = active.toString().substring(0, active.toString().length() - ".log".length());
        DumpResult activeIndexes = dumpLogSegments(base + ".index," + base + ".timeindex", "--verify-index-only");
        activeIndexes.assertExitedCleanly();
        assertNoIndexComplaints(activeIndexes);
    }

    /**
     * A log that is still open: its active segment is mapped at {@code segment.bytes} and its
     * indexes at {@code segment.index.bytes}, so past the flushed data the files hold zeros, as a
     * Kafka segment with {@code preallocate=true} does. Kafka's tool reads every flushed record,
     * then trips over the zero tail; the closed segments before it are clean.
     */
    @Test
    void kafkaDumpLogSegmentsReadsTheFlushedRecordsOfTheActiveSegmentOfAnOpenLog() throws Exception {
        Path logDir = tmp.resolve("logs");
        Expected expected = new Expected();
        LogManager manager = new LogManager(LogManagerConfig.defaults(List.of(logDir)).withDefaultConfig(config()),
            Time.SYSTEM);
        try {
            manager.startup();
            Log log = manager.getOrCreateLog(TP, config());
            appendBatches(log, 0, 250, expected);
            log.flush(log.logEndOffset());
            assertEquals(log.logEndOffset(), log.recoveryPoint());
            LogSegment activeSegment = log.activeSegment();
            Path active = activeSegment.logFile();
            int dataSize = activeSegment.size();
            long fileSize = Files.size(active);
            assertEquals(config().segmentBytes(), fileSize, "the active segment is preallocated");
            assertTrue(dataSize > 0 && dataSize < fileSize);

            // The rolled segments are trimmed and dump cleanly even while the log is open.
            List<Path> closed = filesWithSuffix(log.dir(), ".log");
            closed.remove(active);
            assertFalse(closed.isEmpty());
            DumpResult closedDump = dumpLogSegments(join(closed), "--deep-iteration", "--print-data-log");
            closedDump.assertExitedCleanly();
            Expected closedOnly = new Expected();
            closedOnly.records.putAll(expected.records.headMap(activeSegment.baseOffset()));
            closedOnly.batchCodecs.putAll(expected.batchCodecs.headMap(activeSegment.baseOffset()));
            assertRecordsDumped(closedDump, closedOnly, closed);

            // The active segment: every flushed record is dumped correctly ...
            DumpResult dump = dumpLogSegments(active.toString(), "--deep-iteration", "--print-data-log");
            Expected activeOnly = new Expected();
            activeOnly.records.putAll(expected.records.tailMap(activeSegment.baseOffset()));
            activeOnly.batchCodecs.putAll(expected.batchCodecs.tailMap(activeSegment.baseOffset()));
            assertRecordsEqual(activeOnly, parseRecords(dump));
            assertEquals(activeOnly.batchCodecs, parseBatchCodecs(dump), "batches dumped from the open active segment");
            // ... and then Kafka 3.9.2 complains about the preallocated zeros after them: its batch iterator
            // reads a batch header of size 0 at the end of our data and throws CorruptRecordException, so the
            // tool dies with exit code 1 instead of printing "Found N invalid bytes". Kafka's own
            // preallocated segments (log.preallocate=true) get the same answer. Pinned here so that a change
            // (e.g. a trimmed or sparse tail) is noticed.
            assertEquals(1, dump.exitCode, "exit code of DumpLogSegments on the preallocated active segment\n" + dump);
            assertTrue(dump.stderr.contains("CorruptRecordException")
                    && dump.stderr.contains("Found record size 0 smaller than minimum record overhead"),
                "expected Kafka's complaint about the zero tail:\n" + dump);

            // The preallocated indexes: the offset index is sane (zero entries past the end read as the
            // base offset, which Kafka's check tolerates) and its real entries verify ...
            Path index = activeSegment.offsetIndex().path();
            Path timeIndex = activeSegment.timeIndex().path();
            assertEquals(4096, Files.size(index), "the active offset index is preallocated");
            DumpResult indexSanity = dumpLogSegments(index.toString(), "--index-sanity-check");
            indexSanity.assertExitedCleanly();
            assertTrue(indexSanity.stdout.contains(index + " passed sanity check."), indexSanity.toString());
            DumpResult indexVerify = dumpLogSegments(index.toString(), "--verify-index-only");
            indexVerify.assertExitedCleanly();
            assertNoIndexComplaints(indexVerify);
            // ... while the preallocated time index fails Kafka's sanity check, whose last entry is then
            // the zero entry (timestamp 0 < first timestamp); Kafka's own live time indexes look the same.
            DumpResult timeSanity = dumpLogSegments(timeIndex.toString(), "--index-sanity-check");
            assertTrue(timeSanity.stderr.contains("CorruptIndexException") && timeSanity.stderr.contains("last timestamp is 0"),
                "expected Kafka's complaint about the preallocated time index:\n" + timeSanity);
        } finally {
            manager.close();
        }
    }

    private static String join(List<Path> files) {
        return files.stream().map(Path::toString).collect(Collectors.joining(","));
    }

    // ---------------------------------------------------------------- parsing the tool's output

    private static final class ParsedRecords {
        final TreeMap<Long, List<String>> records = new TreeMap<>();
    }

    private static ParsedRecords parseRecords(DumpResult dump) {
        ParsedRecords parsed = new ParsedRecords();
        for (String line : dump.stdout.split("\n")) {
            if (!line.startsWith("|"))
                continue;
            Matcher m = RECORD_LINE.matcher(line);
            assertTrue(m.matches(), "unexpected record line: " + line);
            long offset = Long.parseLong(m.group(1));
            String key = m.group(5);
            String value = m.group(6);
            assertEquals(key.length(), Integer.parseInt(m.group(3)), "key size at offset " + offset);
            assertEquals(value.length(), Integer.parseInt(m.group(4)), "value size at offset " + offset);
            List<String> previous = parsed.records.put(offset, List.of(key, value, m.group(2)));
            if (previous != null)
                fail("offset " + offset + " dumped twice");
        }
        return parsed;
    }

    private static TreeMap<Long, CompressionType> parseBatchCodecs(DumpResult dump) {
        TreeMap<Long, CompressionType> codecs = new TreeMap<>();
        for (String line : dump.stdout.split("\n")) {
            if (!line.startsWith("baseOffset:"))
                continue;
            Matcher m = BATCH_LINE.matcher(line);
            assertTrue(m.matches(), "unexpected batch line: " + line);
            assertEquals("true", m.group(9), "Kafka says the batch is invalid: " + line);
            codecs.put(Long.parseLong(m.group(1)), CompressionType.forName(m.group(7)));
        }
        return codecs;
    }

    private static void assertRecordsDumped(DumpResult dump, Expected expected, List<Path> logFiles) {
        assertRecordsEqual(expected, parseRecords(dump));
        assertEquals(expected.batchCodecs, parseBatchCodecs(dump), "batches and their codecs");
        for (Path file : logFiles)
            assertTrue(dump.stdout.contains("Dumping " + file), "not dumped: " + file);
        for (String line : dump.stdout.split("\n")) {
            if (line.startsWith("|"))
                continue;
            String lower = line.toLowerCase();
            assertFalse(line.startsWith("Found") || lower.contains("invalid bytes") || lower.contains("corrupt"),
                "DumpLogSegments complained: " + line);
        }
        assertFalse(dump.stderr.contains("Non-consecutive offsets"), dump.toString());
    }

    private static void assertRecordsEqual(Expected expected, ParsedRecords parsed) {
        assertEquals(expected.records.firstKey(), parsed.records.isEmpty() ? null : parsed.records.firstKey(),
            "first offset dumped");
        assertEquals(expected.records.lastKey(), parsed.records.lastKey(), "last offset dumped");
        assertEquals(expected.records.size(), parsed.records.size(), "number of records dumped");
        for (Map.Entry<Long, List<String>> e : expected.records.entrySet()) {
            List<String> got = parsed.records.get(e.getKey());
            assertEquals(e.getValue(), got, "key, value and timestamp at offset " + e.getKey());
        }
    }

    private static void assertNoIndexComplaints(DumpResult dump) {
        for (String complaint : List.of("Mismatches in", "Found timestamp mismatch", "Found out of order timestamp",
                "indexed offsets are not found", "Indexes doesn't match", "Corrupt", "Exception")) {
            assertFalse(dump.stdout.contains(complaint) || dump.stderr.contains(complaint),
                "DumpLogSegments complained (" + complaint + "):\n" + dump);
        }
    }

    // ---------------------------------------------------------------- the child JVM

    private record DumpResult(int exitCode, String stdout, String stderr) {
        void assertExitedCleanly() {
            assertEquals(0, exitCode, "DumpLogSegments exit code\n" + this);
            assertFalse(stderr.contains("Exception"), "DumpLogSegments threw\n" + this);
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + "\n--- stdout (head) ---\n" + head(stdout) + "\n--- stderr (head) ---\n"
                + head(stderr);
        }

        private static String head(String s) {
            return s.length() <= 4000 ? s : s.substring(0, 4000) + "\n...";
        }
    }

    private DumpResult dumpLogSegments(String files, String... options) throws Exception {
        List<String> command = new ArrayList<>(ChildJvm.command(List.of(), "kafka.tools.DumpLogSegments", "--files", files));
        command.addAll(List.of(options));
        Path out = Files.createTempFile(tmp, "dump", ".out");
        Path err = Files.createTempFile(tmp, "dump", ".err");
        Process process = new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS))
                fail("DumpLogSegments did not finish in 120 s: " + command);
            return new DumpResult(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
