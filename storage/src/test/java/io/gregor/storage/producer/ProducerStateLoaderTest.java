package io.gregor.storage.producer;

import static io.gregor.storage.producer.IdempotentBatches.batch;
import static io.gregor.storage.producer.IdempotentBatches.plainBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogAppendInfo;
import io.gregor.storage.log.LogConfig;
import io.gregor.storage.log.LogDirHealth;
import io.gregor.storage.log.LogLoader;
import io.gregor.storage.log.ManualScheduler;
import io.gregor.storage.log.TestTime;

/** The producer state rebuilt from a real log, written through the leader path, equals the live one. */
class ProducerStateLoaderTest {
    private static final TopicPartition TP = new TopicPartition("payments", 2);
    private static final LogConfig SMALL = LogConfig.DEFAULT.with(Map.of(
        LogConfig.SEGMENT_BYTES, 4096,
        LogConfig.SEGMENT_INDEX_BYTES, 1024,
        LogConfig.INDEX_INTERVAL_BYTES, 256));

    @TempDir
    Path root;

    private final TestTime time = new TestTime(1_700_000_000_000L);
    private final ManualScheduler scheduler = new ManualScheduler(time);
    private Log log;
    private ProducerStateManager state;

    /** What a producer appended: its batches by base sequence, with the offsets they got. */
    private final Map<Long, List<BatchMetadata>> appended = new HashMap<>();

    @AfterEach
    void closeLog() {
        if (log != null)
            log.close();
    }

    private Log open(LogConfig config, boolean cleanShutdown) throws IOException {
        return LogLoader.load(root.resolve("payments-2"), TP, config, time, scheduler,
            new LogDirHealth(root, (dir, reason) -> { }), new LogLoader.Checkpoints(cleanShutdown, 0L, 0L, 0L));
    }

    /** The broker's produce path for one partition: check, append as leader, record. */
    private AppendCheck produce(ByteBuffer records) {
        AppendCheck verdict = state.checkRecords(records);
        if (verdict.isOk()) {
            LogAppendInfo info = log.appendAsLeader(records, 7);
            state.onLeaderAppend(records, info);
        }
        return verdict;
    }

    private void produceOk(long pid, short epoch, int baseSequence, int records) {
        ByteBuffer batch = batch(pid, epoch, baseSequence, records, time.milliseconds());
        long firstOffset = log.logEndOffset();
        AppendCheck verdict = produce(batch);
        assertTrue(verdict.isOk(), verdict.toString());
        appended.computeIfAbsent(pid, p -> new ArrayList<>()).add(new BatchMetadata(baseSequence,
            baseSequence + records - 1, firstOffset, firstOffset + records - 1, state.producer(pid).lastTimestamp()));
        time.sleep(3);
    }

    /** Three producers interleaved with non-idempotent traffic, over many small segments. */
    private void writeTraffic(Random random) {
        int[] nextSeq = new int[3];
        for (int i = 0; i < 120; i++) {
            int p = random.nextInt(4);
            if (p == 3) {
                assertTrue(produce(plainBatch(1 + random.nextInt(4), time.milliseconds())).isOk());
                continue;
            }
            int records = 1 + random.nextInt(6);
            produceOk(1000 + p, (short) p, nextSeq[p], records);
            nextSeq[p] += records;
        }
        assertTrue(log.numberOfSegments() > 3, "segments: " + log.numberOfSegments());
    }

    private void restart(boolean clean) throws IOException {
        if (clean)
            log.flush(log.logEndOffset());
        log.close();
        log = open(SMALL, clean);
        state = ProducerStateLoader.load(log);
    }

    private static void assertSameState(ProducerStateManager expected, ProducerStateManager actual) {
        assertEquals(expected.producers().keySet(), actual.producers().keySet());
        for (ProducerEntry e : expected.producers().values()) {
            ProducerEntry a = actual.producer(e.producerId());
            assertEquals(e.epoch(), a.epoch(), "epoch of " + e.producerId());
            assertEquals(e.lastTimestamp(), a.lastTimestamp(), "last timestamp of " + e.producerId());
            assertEquals(e.batches(), a.batches(), "batches of " + e.producerId());
        }
    }

    /** Retries of the last five batches are duplicates at their first offsets; older ones and gaps are refused. */
    private void assertRecognisesRetries() {
        for (Map.Entry<Long, List<BatchMetadata>> e : appended.entrySet()) {
            long pid = e.getKey();
            short epoch = (short) (pid - 1000);
            List<BatchMetadata> batches = e.getValue();
            for (int i = Math.max(0, batches.size() - 5); i < batches.size(); i++) {
                BatchMetadata b = batches.get(i);
                AppendCheck retry = state.check(pid, epoch, b.firstSeq(), b.lastSeq());
                assertTrue(retry.isDuplicate(), "retry of batch " + i + " of " + pid + ": " + retry);
                assertEquals(b.firstOffset(), retry.firstOffset());
                assertEquals(b.lastOffset(), retry.lastOffset());
            }
            if (batches.size() > 5) {
                BatchMetadata evicted = batches.get(batches.size() - 6);
                assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    state.check(pid, epoch, evicted.firstSeq(), evicted.lastSeq()).error());
            }
            int next = batches.get(batches.size() - 1).lastSeq() + 1;
            assertTrue(state.check(pid, epoch, next, next).isOk());
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, state.check(pid, epoch, next + 1, next + 1).error());
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, state.check(pid, (short) (epoch - 1), next, next).error());
        }
    }

    @Test
    void aCleanRestartRebuildsTheLastFiveBatchesOfEveryProducerFromTheLog() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        writeTraffic(new Random(7));
        ProducerStateManager live = state;
        assertRecognisesRetries();

        restart(true);

        assertSameState(live, state);
        assertRecognisesRetries();
    }

    @Test
    void aRestartAfterACrashRebuildsTheSameState() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        writeTraffic(new Random(8));
        ProducerStateManager live = state;

        restart(false);

        assertSameState(live, state);
        assertRecognisesRetries();
    }

    @Test
    void aRetryAfterTheRestartIsNotAppendedAgain() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        produceOk(1000, (short) 0, 0, 3);
        ByteBuffer lost = batch(1000, (short) 0, 3, 4, time.milliseconds());
        long offset = log.logEndOffset();
        assertTrue(produce(lost).isOk());

        restart(true);

        long end = log.logEndOffset();
        AppendCheck retry = produce(batch(1000, (short) 0, 3, 4, time.milliseconds()));
        assertTrue(retry.isDuplicate(), retry.toString());
        assertEquals(offset, retry.firstOffset());
        assertEquals(offset + 3, retry.lastOffset());
        assertEquals(end, log.logEndOffset(), "the duplicate was not appended");
    }

    @Test
    void aTruncationRollsTheStateBackToTheBatchesStillInTheLog() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        for (int i = 0; i < 10; i++)
            produceOk(1000, (short) 0, i * 2, 2);
        List<BatchMetadata> batches = appended.get(1000L);
        BatchMetadata cut = batches.get(7);

        log.truncateTo(cut.firstOffset());
        ProducerStateLoader.reload(state, log);

        ProducerEntry entry = state.producer(1000);
        assertEquals(batches.subList(2, 7), entry.batches());
        assertTrue(state.check(1000, (short) 0, cut.firstSeq(), cut.lastSeq()).isOk(),
            "the truncated batch is expected again, not a duplicate");
        assertTrue(state.check(1000, (short) 0, batches.get(6).firstSeq(), batches.get(6).lastSeq()).isDuplicate());

        log.truncateTo(0);
        ProducerStateLoader.reload(state, log);
        assertTrue(state.isEmpty());
    }

    @Test
    void anEpochBumpInTheLogLeavesOnlyTheNewEpochsBatches() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        for (int i = 0; i < 4; i++)
            produceOk(1000, (short) 0, i, 1);
        produceOk(1000, (short) 1, 0, 2);

        restart(true);

        ProducerEntry entry = state.producer(1000);
        assertEquals(1, entry.epoch());
        assertEquals(List.of(appended.get(1000L).get(4)), entry.batches());
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, state.check(1000, (short) 0, 4, 4).error());
    }

    @Test
    void logAppendTimeIsTheTimestampRememberedAndRebuilt() throws IOException {
        LogConfig config = SMALL.with(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
        log = open(config, true);
        state = new ProducerStateManager(TP);
        ByteBuffer old = batch(1000, (short) 0, 0, 2, 5L);
        time.sleep(1000);
        assertTrue(produce(old).isOk());
        long stamped = time.milliseconds();
        assertEquals(stamped, state.producer(1000).lastTimestamp());

        log.flush(log.logEndOffset());
        log.close();
        log = open(config, true);
        state = ProducerStateLoader.load(log);
        assertEquals(stamped, state.producer(1000).lastTimestamp());
        assertEquals(stamped, state.check(1000, (short) 0, 0, 1).timestamp());
    }

    @Test
    void loadingWithAnExpirationLeavesOutProducersSilentForTooLong() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        produceOk(1000, (short) 0, 0, 1);
        time.sleep(60_000);
        produceOk(1001, (short) 1, 0, 1);
        log.flush(log.logEndOffset());

        ProducerStateManager loaded = ProducerStateLoader.load(log, time.milliseconds() + 30_000, 60_000);
        assertNull(loaded.producer(1000));
        assertNotNull(loaded.producer(1001));
        assertEquals(1, loaded.producerCount());
    }

    @Test
    void batchesBelowTheLogStartOffsetStillInTheLogAreReplayed() throws IOException {
        log = open(SMALL, true);
        state = new ProducerStateManager(TP);
        produceOk(1000, (short) 0, 0, 3);
        produceOk(1001, (short) 0, 0, 3);
        log.updateHighWatermark(log.logEndOffset());
        log.deleteRecordsBefore(log.logEndOffset());
        ProducerStateLoader.reload(state, log);
        assertEquals(2, state.producerCount(), "Kafka keeps producers after DeleteRecords until they expire");
    }
}
