package io.gregor.storage.log;

import static io.gregor.storage.log.LogTestSupport.assertBatch;
import static io.gregor.storage.log.LogTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.gregor.storage.epoch.EpochEntry;
import io.gregor.storage.record.BatchValidator;

class LogTest {
    private static final LogConfig SMALL = LogConfig.DEFAULT.with(Map.of(
        LogConfig.SEGMENT_BYTES, 64 * 1024,
        LogConfig.SEGMENT_INDEX_BYTES, 1024,
        LogConfig.INDEX_INTERVAL_BYTES, 256));

    @TempDir
    Path root;

    /** What the test appended: batch {@code id} holds {@code records} records from {@code baseOffset}. */
    private record Appended(long id, int records, int valueSize, long baseOffset) {
    }

    private static final CompressionType[] CODECS = CompressionType.values();

    @Test
    void randomAppendsReadBackLikeAnInMemoryOracleAcrossRollsReopensAndTruncations() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Random random = new Random(42);
        List<Appended> oracle = new ArrayList<>();
        Log log = support.open(SMALL);
        long id = 0;
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 150; i++, id++) {
                int records = 1 + random.nextInt(20);
                int valueSize = random.nextInt(400);
                CompressionType codec = CODECS[random.nextInt(CODECS.length)];
                LogAppendInfo info = log.appendAsLeader(
                    TestBatches.batch(id, records, valueSize, codec, support.time.milliseconds()), 3);
                Appended expected = new Appended(id, records, valueSize, log.logEndOffset() - records);
                assertEquals(expected.baseOffset(), info.firstOffset());
                assertEquals(log.logEndOffset() - 1, info.lastOffset());
                oracle.add(expected);
                support.time.sleep(1);
            }
            assertMatches(oracle, log, random);
            switch (round % 3) {
                case 0 -> {
                    log.close();
                    log = support.open(SMALL);
                }
                case 1 -> {
                    log.close();
                    Files.delete(log.activeSegment().offsetIndex().path());
                    log = support.open(SMALL, false, 0L);
                }
                default -> {
                    Appended cut = oracle.get(random.nextInt(oracle.size()));
                    assertTrue(log.truncateTo(cut.baseOffset()));
                    oracle.subList(oracle.indexOf(cut), oracle.size()).clear();
                    assertEquals(cut.baseOffset(), log.logEndOffset());
                }
            }
            assertMatches(oracle, log, random);
        }
        assertTrue(log.numberOfSegments() > 3, "small segments roll: " + log.numberOfSegments());
        log.close();
    }

    private static void assertMatches(List<Appended> oracle, Log log, Random random) {
        List<RecordBatch> batches = readAll(log, 0);
        assertEquals(oracle.size(), batches.size());
        for (int i = 0; i < oracle.size(); i++) {
            Appended a = oracle.get(i);
            assertBatch(batches.get(i), a.id(), a.records(), a.valueSize(), a.baseOffset());
        }
        for (int probe = 0; probe < 20 && !oracle.isEmpty(); probe++) {
            Appended a = oracle.get(random.nextInt(oracle.size()));
            long offset = a.baseOffset() + random.nextInt(a.records());
            try (LogSlice slice = log.read(offset, 1, Long.MAX_VALUE, true).records()) {
                RecordBatch first = MemoryRecords.readableRecords(slice.records()).batches().iterator().next();
                assertEquals(a.baseOffset(), first.baseOffset(), "a read starts at the batch holding offset " + offset);
            }
        }
    }

    @Test
    void readOutsideTheLogIsOutOfRangeAndAtTheEndIsEmpty() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        log.appendAsLeader(TestBatches.batch(0, 5, 10, 1000L), 0);
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(6, 1024, Long.MAX_VALUE, true));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 1024, Long.MAX_VALUE, true));
        assertTrue(log.read(5, 1024, Long.MAX_VALUE, true).records().isEmpty());
        log.close();
    }

    @Test
    void aReadReturnsAtLeastOneWholeBatchEvenIfItExceedsMaxBytes() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        log.appendAsLeader(TestBatches.batch(0, 10, 500, 1000L), 0);
        log.appendAsLeader(TestBatches.batch(1, 10, 500, 1000L), 0);
        try (LogSlice one = log.read(0, 10, Long.MAX_VALUE, true).records()) {
            assertEquals(1, count(one));
        }
        try (LogSlice none = log.read(0, 10, Long.MAX_VALUE, false).records()) {
            assertTrue(none.isEmpty());
        }
        try (LogSlice both = log.read(0, 1 << 20, Long.MAX_VALUE, true).records()) {
            assertEquals(2, count(both));
        }
        try (LogSlice belowHighWatermark = log.read(0, 1 << 20, 10, true).records()) {
            assertEquals(1, count(belowHighWatermark), "nothing at or above maxOffset is returned");
        }
        log.close();
    }

    private static int count(LogSlice slice) {
        int n = 0;
        for (RecordBatch ignored : MemoryRecords.readableRecords(slice.records()).batches())
            n++;
        return n;
    }

    @Test
    void aCorruptBatchIsRefusedWithCorruptMessageAndNothingIsAppended() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        ByteBuffer good = TestBatches.batch(0, 3, 10, 1000L);
        ByteBuffer bad = TestBatches.batch(1, 3, 10, 1000L);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(TestBatches.concat(good, bad), 0));
        ByteBuffer oldMagic = TestBatches.batch(2, 3, 10, 1000L);
        oldMagic.put(16, (byte) 1);
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(oldMagic, 0));
        ByteBuffer cut = TestBatches.batch(3, 3, 10, 1000L);
        cut.limit(cut.limit() - 5);
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(cut, 0));
        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.size());
        log.close();
    }

    @Test
    void aBatchOverMaxMessageBytesIsRefusedAsRecordTooLarge() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL.with(LogConfig.MAX_MESSAGE_BYTES, 1000));
        assertThrows(RecordTooLargeException.class, () -> log.appendAsLeader(TestBatches.batch(0, 5, 500, 1000L), 0));
        log.appendAsLeader(TestBatches.batch(1, 1, 100, 1000L), 0);
        assertEquals(1, log.logEndOffset());
        log.close();
    }

    @Test
    void aBatchWhoseRecordCountDisagreesWithItsOffsetsIsInvalid() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        ByteBuffer batch = TestBatches.batch(0, 3, 10, 1000L);
        batch.putInt(57, 7);
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(batch, 0),
            "the count is inside the CRC, so a changed count fails the CRC first");
        ByteBuffer rewritten = TestBatches.batch(0, 3, 10, 1000L);
        rewritten.putInt(57, 7);
        fixCrc(rewritten);
        assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(rewritten, 0));
        log.close();
    }

    private static void fixCrc(ByteBuffer batch) {
        long crc = new BatchValidator().crc(batch, 0, batch.limit());
        batch.putInt(17, (int) crc);
    }

    @Test
    void logAppendTimeStampsTheBrokerClockAndKeepsTheCrcValid() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        LogAppendInfo info = log.appendAsLeader(TestBatches.batch(0, 4, 10, 5L), 0);
        assertEquals(support.time.milliseconds(), info.logAppendTime());
        RecordBatch batch = readAll(log, 0).get(0);
        batch.ensureValid();
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        assertEquals(support.time.milliseconds(), batch.maxTimestamp());
        log.close();
    }

    @Test
    void theLeaderStampsItsEpochAndTheEpochCacheFollows() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        log.appendAsLeader(TestBatches.batch(0, 2, 10, 1000L), 5);
        log.appendAsLeader(TestBatches.batch(1, 2, 10, 1000L), 7);
        assertEquals(5, readAll(log, 0).get(0).partitionLeaderEpoch());
        assertEquals(7, readAll(log, 0).get(1).partitionLeaderEpoch());
        assertEquals(List.of(new EpochEntry(5, 0), new EpochEntry(7, 2)),
            log.leaderEpochCache().entries());
        log.close();
    }

    @Test
    void rollsOnSegmentBytesSegmentMsAndFullIndexes() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log bySize = support.open(SMALL);
        for (int i = 0; i < 40; i++)
            bySize.appendAsLeader(TestBatches.batch(i, 10, 500, 1000L), 0);
        assertTrue(bySize.numberOfSegments() >= 3, "5 KiB batches roll 64 KiB segments");
        for (LogSegment segment : bySize.segments())
            assertTrue(segment.size() <= 64 * 1024);
        bySize.close();

        Path other = root.resolve("other");
        LogTestSupport byTime = new LogTestSupport(other);
        Log aged = byTime.open(SMALL.with(LogConfig.SEGMENT_MS, 1000));
        aged.appendAsLeader(TestBatches.batch(0, 1, 10, byTime.time.milliseconds()), 0);
        byTime.time.sleep(500);
        aged.appendAsLeader(TestBatches.batch(1, 1, 10, byTime.time.milliseconds()), 0);
        assertEquals(1, aged.numberOfSegments());
        byTime.time.sleep(600);
        aged.appendAsLeader(TestBatches.batch(2, 1, 10, byTime.time.milliseconds()), 0);
        assertEquals(2, aged.numberOfSegments(), "segment.ms counts from the first batch's timestamp");
        aged.close();

        LogTestSupport byIndex = new LogTestSupport(root.resolve("index"));
        Log indexed = byIndex.open(SMALL.with(Map.of(LogConfig.SEGMENT_INDEX_BYTES, 48, LogConfig.INDEX_INTERVAL_BYTES, 0)));
        for (int i = 0; i < 12; i++)
            indexed.appendAsLeader(TestBatches.batch(i, 1, 10, 1000L + i), 0);
        assertTrue(indexed.numberOfSegments() >= 2, "a full index rolls the segment");
        indexed.close();
    }

    @Test
    void anAppendLargerThanSegmentBytesGetsASegmentOfItsOwn() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL.with(Map.of(LogConfig.SEGMENT_BYTES, 4096)));
        log.appendAsLeader(TestBatches.batch(0, 20, 500, 1000L), 0);
        log.appendAsLeader(TestBatches.batch(1, 1, 10, 1000L), 0);
        assertEquals(2, readAll(log, 0).size());
        log.close();
        Log reopened = new LogTestSupport(root).open(SMALL.with(Map.of(LogConfig.SEGMENT_BYTES, 4096)));
        assertEquals(21, reopened.logEndOffset());
        reopened.close();
    }

    @Test
    void retentionDeletesWholeOldSegmentsAfterTheFileDeleteDelay() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(Map.of(LogConfig.RETENTION_MS, 60_000, LogConfig.FILE_DELETE_DELAY_MS, 1000)));
        for (int i = 0; i < 30; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 500, support.time.milliseconds()), 0);
        log.updateHighWatermark(log.logEndOffset());
        int segments = log.numberOfSegments();
        assertEquals(0, log.deleteOldSegments(), "nothing is older than retention.ms yet");
        try (LogSlice held = log.read(0, 1024, Long.MAX_VALUE, true).records()) {
            support.time.sleep(61_000);
            assertEquals(segments, log.deleteOldSegments(), "every segment, the active one too, breaches retention.ms");
            assertEquals(log.logEndOffset(), log.logStartOffset());
            assertEquals(1, log.numberOfSegments());
            try (Stream<Path> files = Files.list(support.partitionDir)) {
                assertTrue(files.anyMatch(f -> f.toString().endsWith(".log.deleted")));
            }
            support.scheduler.advance(1000);
            try (Stream<Path> files = Files.list(support.partitionDir)) {
                assertFalse(files.anyMatch(f -> f.toString().endsWith(".deleted")));
            }
            ByteBuffer stillMapped = held.records();
            assertEquals(0, MemoryRecords.readableRecords(stillMapped).batches().iterator().next().baseOffset(),
                "a slice taken before deletion stays readable");
        }
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1024, Long.MAX_VALUE, true));
        log.close();
    }

    @Test
    void retentionBytesKeepsTheLogUnderTheLimitByWholeSegments() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(LogConfig.RETENTION_BYTES, 100_000));
        for (int i = 0; i < 60; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 500, support.time.milliseconds()), 0);
        log.updateHighWatermark(log.logEndOffset());
        assertTrue(log.size() > 100_000);
        assertTrue(log.deleteOldSegments() > 0);
        assertTrue(log.size() <= 100_000 + 64 * 1024, "at most one segment over: " + log.size());
        assertEquals(log.segments().iterator().next().baseOffset(), log.logStartOffset());
        readAll(log, log.logStartOffset());
        log.close();
    }

    @Test
    void retentionNeverDeletesAboveTheHighWatermark() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(LogConfig.RETENTION_MS, 10));
        for (int i = 0; i < 30; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 500, support.time.milliseconds()), 0);
        support.time.sleep(1000);
        assertEquals(0, log.deleteOldSegments(), "the high watermark is still 0");
        log.close();
    }

    @Test
    void deleteRecordsAdvancesTheLogStartOffsetButNotPastTheHighWatermark() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        for (int i = 0; i < 30; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 500, 1000L), 0);
        log.updateHighWatermark(200);
        assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(201));
        assertEquals(150, log.deleteRecordsBefore(150));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(149, 1024, Long.MAX_VALUE, true));
        assertEquals(150, readAll(log, 150).get(0).baseOffset());
        int before = log.numberOfSegments();
        log.deleteOldSegments();
        assertTrue(log.numberOfSegments() < before, "segments wholly below the log start offset go");
        assertEquals(150, log.logStartOffset());
        log.close();
        Log reopened = new LogTestSupport(root).open(SMALL);
        assertTrue(reopened.logStartOffset() <= 150, "the log start offset survives through the checkpoint, not the log");
        reopened.close();
    }

    @Test
    void listOffsetsFindsEarliestLatestMaxAndByTimestamp() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        assertEquals(-1, log.fetchOffsetByTimestamp(Log.MAX_TIMESTAMP).offset());
        for (int i = 0; i < 50; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 200, 10_000L + i * 100L), 2);
        // record j of batch i has timestamp 10_000 + i*100 + j, offset i*10 + j
        assertEquals(0, log.fetchOffsetByTimestamp(Log.EARLIEST_TIMESTAMP).offset());
        assertEquals(500, log.fetchOffsetByTimestamp(Log.LATEST_TIMESTAMP).offset());
        TimestampOffset max = log.fetchOffsetByTimestamp(Log.MAX_TIMESTAMP);
        assertEquals(10_000L + 49 * 100 + 9, max.timestamp());
        assertEquals(499, max.offset());
        TimestampOffset exact = log.fetchOffsetByTimestamp(10_000L + 23 * 100 + 4);
        assertEquals(234, exact.offset());
        assertEquals(2, exact.leaderEpoch());
        TimestampOffset between = log.fetchOffsetByTimestamp(10_000L + 23 * 100 + 50);
        assertEquals(240, between.offset(), "the first record at or after the timestamp");
        assertEquals(0, log.fetchOffsetByTimestamp(0).offset());
        assertNull(log.fetchOffsetByTimestamp(1_000_000L));
        log.close();
    }

    @Test
    void followerAppendsKeepTheLeadersOffsetsAndEpochs() throws IOException {
        Log leader = new LogTestSupport(root.resolve("leader")).open(SMALL);
        for (int i = 0; i < 10; i++)
            leader.appendAsLeader(TestBatches.batch(i, 3, 50, 1000L), i / 5);
        Log follower = new LogTestSupport(root.resolve("follower")).open(SMALL);
        try (LogSlice slice = leader.read(0, 1 << 20, Long.MAX_VALUE, true).records()) {
            follower.appendAsFollower(slice.records());
        }
        assertEquals(leader.logEndOffset(), follower.logEndOffset());
        assertEquals(leader.leaderEpochCache().entries(), follower.leaderEpochCache().entries());
        try (LogSlice again = leader.read(0, 1 << 20, Long.MAX_VALUE, true).records()) {
            assertThrows(InvalidRecordException.class, () -> follower.appendAsFollower(again.records()));
        }
        assertTrue(follower.truncateTo(19), "offset 19 is inside the batch 18..20, which goes whole");
        assertEquals(18, follower.logEndOffset());
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 15)), follower.leaderEpochCache().entries());
        assertTrue(follower.truncateTo(15));
        assertEquals(List.of(new EpochEntry(0, 0)), follower.leaderEpochCache().entries());
        leader.close();
        follower.close();
    }

    @Test
    void flushMessagesFlushesOffTheCallersThreadAndAdvancesTheRecoveryPoint() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(LogConfig.FLUSH_MESSAGES, 25));
        for (int i = 0; i < 4; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 50, 1000L), 0);
        assertEquals(0, log.recoveryPoint(), "the append itself never fsyncs");
        support.scheduler.runDue();
        assertEquals(30, log.recoveryPoint());
        log.close();
    }

    @Test
    void flushMsFlushesOnceTheIntervalHasPassed() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(LogConfig.FLUSH_MS, 1000));
        log.appendAsLeader(TestBatches.batch(0, 10, 50, 1000L), 0);
        log.flushIfDue(support.time.milliseconds());
        assertEquals(0, log.recoveryPoint());
        support.time.sleep(1000);
        log.flushIfDue(support.time.milliseconds());
        assertEquals(10, log.recoveryPoint());
        log.close();
    }

    @Test
    void truncatingFullyToTheCurrentBaseOffsetKeepsTheNewSegmentsFiles() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        LogConfig config = SMALL.with(LogConfig.FILE_DELETE_DELAY_MS, 1000);
        Log log = support.open(config);
        log.appendAsLeader(TestBatches.batch(0, 10, 10, 1000L), 0);
        log.truncateFullyAndStartAt(0);
        log.appendAsLeader(TestBatches.batch(1, 10, 10, 1000L), 0);
        log.truncateFullyAndStartAt(0);
        log.appendAsLeader(TestBatches.batch(2, 10, 10, 1000L), 0);
        support.scheduler.advance(1000);
        assertTrue(Files.exists(LogFiles.logFile(support.partitionDir, 0, "")), "the live segment keeps its name");
        log.close();
        Log reopened = support.open(config);
        assertEquals(10, reopened.logEndOffset());
        assertBatch(readAll(reopened, 0).get(0), 2, 10, 10, 0);
        reopened.close();
    }

    @Test
    void aBatchWhoseRecordsDoNotFillItIsInvalidEvenWithAValidCrc() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        ByteBuffer batch = TestBatches.batch(0, 2, 10, 1000L);
        batch.putInt(57, 1);
        batch.putInt(23, 0);
        fixCrc(batch);
        assertThrows(InvalidRecordException.class, () -> log.appendAsLeader(batch, 0),
            "one declared record, two present: a consumer would stop at this offset");
        assertEquals(0, log.logEndOffset());
        log.close();
    }

    @Test
    void theAppendGuardOnlySeesBatchesThatPassedTheirCrc() throws IOException {
        Log log = new LogTestSupport(root).open(SMALL);
        AppendGuard refuseAll = new AppendGuard() {
            @Override
            public LogAppendInfo beforeAppend(ByteBuffer records, long logStartOffset) {
                throw new IllegalStateException("the guard must not see a corrupt batch");
            }

            @Override
            public void afterAppend(ByteBuffer records, LogAppendInfo info) {
            }
        };
        ByteBuffer corrupt = TestBatches.batch(0, 3, 10, 1000L);
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
        assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(corrupt, 0, refuseAll));
        log.close();
    }

    @Test
    void aCompactedTopicKeepsItsSegmentsPastRetention() throws IOException {
        LogTestSupport support = new LogTestSupport(root);
        Log log = support.open(SMALL.with(Map.of(LogConfig.RETENTION_MS, 10, LogConfig.CLEANUP_POLICY, "compact")));
        for (int i = 0; i < 30; i++)
            log.appendAsLeader(TestBatches.batch(i, 10, 500, support.time.milliseconds()), 0);
        log.updateHighWatermark(log.logEndOffset());
        support.time.sleep(1000);
        assertEquals(0, log.deleteOldSegments(), "only compaction removes data from a compacted topic");
        log.updateConfig(log.config().with(LogConfig.CLEANUP_POLICY, "compact,delete"));
        assertTrue(log.deleteOldSegments() > 0);
        log.close();
    }
}
