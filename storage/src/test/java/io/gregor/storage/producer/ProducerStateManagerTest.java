package io.gregor.storage.producer;

import static io.gregor.storage.producer.IdempotentBatches.batch;
import static io.gregor.storage.producer.IdempotentBatches.commitMarker;
import static io.gregor.storage.log.TestBatches.concat;
import static io.gregor.storage.producer.IdempotentBatches.plainBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

import io.gregor.storage.log.LogAppendInfo;
import io.gregor.storage.record.BatchHeader;

class ProducerStateManagerTest {
    private static final long PID = 4000L;
    private static final short EPOCH = 3;
    private static final long T0 = 1_700_000_000_000L;

    private final ProducerStateManager state = new ProducerStateManager(new TopicPartition("orders", 0));
    private long logEnd = 100;

    /** Checks and, if OK, "appends" {@code records} records from {@code baseSequence} at the log end. */
    private AppendCheck send(long pid, short epoch, int baseSequence, int records, long timestamp) {
        int lastSequence = ProducerStateManager.incrementSequence(baseSequence, records - 1);
        AppendCheck verdict = state.check(pid, epoch, baseSequence, lastSequence);
        if (verdict.isOk()) {
            state.onAppend(pid, epoch, baseSequence, lastSequence, logEnd, logEnd + records - 1, timestamp);
            logEnd += records;
        }
        return verdict;
    }

    private AppendCheck send(int baseSequence, int records) {
        return send(PID, EPOCH, baseSequence, records, T0);
    }

    private static void assertOk(AppendCheck verdict) {
        assertTrue(verdict.isOk(), verdict.toString());
    }

    private static void assertError(Errors expected, AppendCheck verdict) {
        assertTrue(verdict.isError(), verdict.toString());
        assertEquals(expected, verdict.error(), verdict.toString());
    }

    @Test
    void batchesInSequenceAreAccepted() {
        assertOk(send(0, 5));
        assertOk(send(5, 1));
        assertOk(send(6, 10));
        ProducerEntry entry = state.producer(PID);
        assertEquals(EPOCH, entry.epoch());
        assertEquals(15, entry.lastSequence());
        assertEquals(new BatchMetadata(6, 15, 106, 115, T0), entry.lastBatch());
    }

    @Test
    void aRetryOfAnyOfTheLastFiveBatchesIsADuplicateWithItsOriginalOffsets() {
        for (int i = 0; i < 7; i++)
            assertOk(send(i * 3, 3));
        long endBefore = logEnd;
        // Batches 2..6 are cached (offsets 106..), batches 0 and 1 were evicted.
        for (int i = 2; i < 7; i++) {
            AppendCheck verdict = state.check(PID, EPOCH, i * 3, i * 3 + 2);
            assertTrue(verdict.isDuplicate(), "batch " + i + ": " + verdict);
            assertEquals(Errors.NONE, verdict.error());
            assertEquals(100 + i * 3, verdict.firstOffset());
            assertEquals(100 + i * 3 + 2, verdict.lastOffset());
            assertEquals(T0, verdict.timestamp());
        }
        assertEquals(endBefore, logEnd, "a duplicate is not appended");
        assertEquals(5, state.producer(PID).batches().size());
    }

    @Test
    void aRetryOlderThanTheCachedBatchesIsOutOfOrderAsInKafka3() {
        for (int i = 0; i < 6; i++)
            assertOk(send(i * 2, 2));
        // Batch 0 (sequences 0..1) is no longer cached; Kafka 3.x answers OUT_OF_ORDER, never DUPLICATE_SEQUENCE_NUMBER.
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, state.check(PID, EPOCH, 0, 1));
    }

    @Test
    void aRetryWithADifferentSequenceRangeIsNotADuplicate() {
        assertOk(send(0, 4));
        assertOk(send(4, 4));
        // Same first sequence, different length: not the cached batch, and not in sequence either.
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, state.check(PID, EPOCH, 4, 5));
    }

    @Test
    void aSequenceGapIsOutOfOrder() {
        assertOk(send(0, 5));
        AppendCheck verdict = send(6, 1);
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, verdict);
        assertTrue(verdict.message().contains("6 (incoming seq. number), 4 (current end sequence number)"),
            verdict.message());
        assertEquals(4, state.producer(PID).lastSequence(), "a rejected batch changes nothing");
    }

    @Test
    void aNewEpochMustStartAtSequenceZero() {
        assertOk(send(0, 5));
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(PID, (short) (EPOCH + 1), 5, 1, T0));
        assertOk(send(PID, (short) (EPOCH + 1), 0, 2, T0));
        ProducerEntry entry = state.producer(PID);
        assertEquals(EPOCH + 1, entry.epoch());
        assertEquals(1, entry.batches().size(), "the old epoch's batches are forgotten");
        assertOk(send(PID, (short) (EPOCH + 1), 2, 1, T0));
    }

    @Test
    void anOlderEpochIsFenced() {
        assertOk(send(PID, (short) 5, 0, 1, T0));
        assertError(Errors.INVALID_PRODUCER_EPOCH, send(PID, (short) 4, 1, 1, T0));
        // Even a retry of a batch it wrote before: that epoch's cache was dropped with the bump.
        assertOk(send(PID, (short) 6, 0, 1, T0));
        assertError(Errors.INVALID_PRODUCER_EPOCH, state.check(PID, (short) 5, 0, 0));
    }

    @Test
    void anUnknownProducerMayStartAtAnySequence() {
        assertOk(send(PID, EPOCH, 1234, 3, T0));
        assertOk(send(PID + 1, (short) 0, 0, 3, T0));
        assertEquals(1236, state.producer(PID).lastSequence());
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, send(PID, EPOCH, 1240, 1, T0));
    }

    @Test
    void sequencesWrapAroundAtIntegerMaxValue() {
        assertEquals(1, ProducerStateManager.incrementSequence(Integer.MAX_VALUE - 2, 4));
        assertEquals(Integer.MAX_VALUE - 2, ProducerStateManager.decrementSequence(1, 4));
        assertEquals(DefaultRecordBatch.incrementSequence(Integer.MAX_VALUE - 2, 4),
            ProducerStateManager.incrementSequence(Integer.MAX_VALUE - 2, 4));

        assertOk(send(Integer.MAX_VALUE - 4, 3));            // MAX-4 .. MAX-2
        assertOk(send(Integer.MAX_VALUE - 1, 4));            // MAX-1, MAX, 0, 1
        assertEquals(1, state.producer(PID).lastSequence());
        AppendCheck retry = state.check(PID, EPOCH, Integer.MAX_VALUE - 1, 1);
        assertTrue(retry.isDuplicate(), retry.toString());
        assertEquals(103, retry.firstOffset());
        assertOk(send(2, 1));

        ProducerStateManager other = new ProducerStateManager(state.topicPartition());
        other.onAppend(PID, EPOCH, Integer.MAX_VALUE, Integer.MAX_VALUE, 0, 0, T0);
        assertOk(other.check(PID, EPOCH, 0, 0));
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, other.check(PID, EPOCH, 1, 1));
    }

    @Test
    void theLastSequenceOfABatchHeaderWraps() {
        ByteBuffer wrapping = batch(PID, EPOCH, Integer.MAX_VALUE - 1, 3, T0);
        assertEquals(0, ProducerStateManager.lastSequence(wrapping, 0));
        RecordBatch kafka = MemoryRecords.readableRecords(wrapping.duplicate()).batches().iterator().next();
        assertEquals(kafka.lastSequence(), ProducerStateManager.lastSequence(wrapping, 0));
        assertEquals(RecordBatch.NO_SEQUENCE, ProducerStateManager.lastSequence(plainBatch(3, T0), 0));
    }

    @Test
    void producersExpireOnceTheirLastBatchIsOlderThanTheExpiration() {
        long expiration = ProducerStateManager.DEFAULT_PRODUCER_ID_EXPIRATION_MS;
        assertOk(send(PID, EPOCH, 0, 1, T0));
        assertOk(send(PID + 1, EPOCH, 0, 1, T0 + 1000));
        assertEquals(0, state.removeExpiredProducers(T0 + expiration - 1, expiration));
        assertEquals(1, state.removeExpiredProducers(T0 + expiration, expiration), "expired at exactly the limit");
        assertNull(state.producer(PID));
        assertEquals(List.of(PID + 1), List.copyOf(state.producers().keySet()));
        // Forgotten: its next batch is accepted whatever its sequence, as a new producer's.
        assertOk(send(PID, EPOCH, 57, 1, T0 + expiration));
    }

    @Test
    void aBatchRefreshesTheProducersExpiryClock() {
        long expiration = 10_000;
        assertOk(send(PID, EPOCH, 0, 1, T0));
        assertOk(send(PID, EPOCH, 1, 1, T0 + 9_000));
        assertEquals(0, state.removeExpiredProducers(T0 + 15_000, expiration));
        assertEquals(1, state.removeExpiredProducers(T0 + 19_000, expiration));
    }

    @Test
    void batchesWithoutAProducerIdAreAlwaysOkAndNotTracked() {
        assertOk(state.check(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE,
            RecordBatch.NO_SEQUENCE));
        ByteBuffer plain = plainBatch(3, T0);
        assertOk(state.check(plain, 0));
        state.onLeaderAppend(plain, info(0, 2, -1L));
        assertTrue(state.isEmpty());
    }

    @Test
    void headerChecksRejectWhatKafkasValidatorRejects() {
        // kafka-clients refuses to build one, so patch the sequence out (the check reads headers, not the CRC).
        ByteBuffer noSequence = batch(PID, EPOCH, 0, 1, T0);
        noSequence.putInt(BatchHeader.BASE_SEQUENCE, RecordBatch.NO_SEQUENCE);
        assertError(Errors.INVALID_RECORD, state.check(noSequence, 0));
        assertError(Errors.INVALID_RECORD, state.check(commitMarker(PID, EPOCH, T0), 0));
    }

    @Test
    void aBatchCutShortIsCorruptInsteadOfBeingSteppedOver() {
        ByteBuffer whole = concat(batch(PID, EPOCH, 0, 2, T0), batch(PID, EPOCH, 2, 2, T0));
        assertError(Errors.CORRUPT_MESSAGE, state.checkRecords(whole.duplicate().limit(whole.limit() - 1)));
        assertError(Errors.CORRUPT_MESSAGE, state.checkRecords(whole.duplicate().limit(whole.limit() - 30)));
        ByteBuffer zeroLength = batch(PID, EPOCH, 0, 2, T0);
        zeroLength.putInt(BatchHeader.LENGTH, -BatchHeader.LOG_OVERHEAD);
        assertError(Errors.CORRUPT_MESSAGE, state.checkRecords(zeroLength));
        assertOk(state.checkRecords(ByteBuffer.allocate(0)));
    }

    @Test
    void laterBatchesOfOneAppendAreCheckedAgainstTheEarlierOnes() {
        assertOk(send(0, 3));
        assertOk(state.checkRecords(concat(batch(PID, EPOCH, 3, 3, T0), batch(PID, EPOCH, 6, 2, T0),
            batch(PID + 1, EPOCH, 0, 1, T0))));
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
            state.checkRecords(concat(batch(PID, EPOCH, 3, 3, T0), batch(PID, EPOCH, 7, 2, T0))));
        assertError(Errors.INVALID_PRODUCER_EPOCH,
            state.checkRecords(concat(batch(PID, EPOCH, 3, 3, T0), batch(PID, (short) (EPOCH - 1), 0, 2, T0))));
        short bumped = EPOCH + 1;
        assertOk(state.checkRecords(concat(batch(PID, bumped, 0, 2, T0), batch(PID, bumped, 2, 1, T0))));
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
            state.checkRecords(concat(batch(PID, bumped, 0, 2, T0), batch(PID, bumped, 3, 1, T0))));
        assertEquals(2, state.producer(PID).lastSequence(), "checks change nothing");
        assertNull(state.producer(PID + 1));
    }

    @Test
    void anUnknownProducerIsAcceptedWithAnySequenceEvenAcrossBatchesOfOneAppend() {
        // Kafka 3.9 does the same: with no epoch on record its checkSequence accepts every batch.
        assertOk(state.checkRecords(concat(batch(PID, EPOCH, 0, 3, T0), batch(PID, EPOCH, 7, 2, T0))));
    }

    @Test
    void aDuplicateAnywhereInAnAppendAnswersThatBatchsOffsets() {
        ByteBuffer first = batch(PID, EPOCH, 0, 3, T0);
        assertOk(state.checkRecords(first));
        state.onLeaderAppend(first, info(500, 502, -1L));
        AppendCheck verdict = state.checkRecords(concat(batch(PID, EPOCH, 3, 1, T0), batch(PID, EPOCH, 0, 3, T0)));
        assertTrue(verdict.isDuplicate(), verdict.toString());
        assertEquals(500, verdict.firstOffset());
        assertEquals(502, verdict.lastOffset());
    }

    @Test
    void aLeaderAppendRecordsTheOffsetsTheLogAssignedAndTheLogAppendTime() {
        ByteBuffer records = concat(batch(PID, EPOCH, 0, 3, T0), batch(PID + 1, (short) 0, 7, 2, T0 + 5));
        state.onLeaderAppend(records, info(40, 44, -1L));
        assertEquals(new BatchMetadata(0, 2, 40, 42, T0), state.producer(PID).lastBatch());
        assertEquals(new BatchMetadata(7, 8, 43, 44, T0 + 5), state.producer(PID + 1).lastBatch());

        state.onLeaderAppend(batch(PID, EPOCH, 3, 1, T0), info(45, 45, T0 + 99));
        assertEquals(new BatchMetadata(3, 3, 45, 45, T0 + 99), state.producer(PID).lastBatch());
        assertEquals(T0 + 99, state.producer(PID).lastTimestamp());
    }

    @Test
    void aFollowerAppendKeepsTheLeadersOffsetsAndEpochsWithoutChecks() {
        ByteBuffer batch = batch(PID, EPOCH, 0, 2, T0);
        batch.putLong(0, 77L);
        state.onFollowerAppend(batch);
        ByteBuffer older = batch(PID, (short) (EPOCH - 1), 9, 1, T0 + 1);
        older.putLong(0, 79L);
        state.onFollowerAppend(older);
        ProducerEntry entry = state.producer(PID);
        assertEquals(EPOCH - 1, entry.epoch(), "replication takes what the leader wrote");
        assertEquals(List.of(new BatchMetadata(9, 9, 79, 79, T0 + 1)), entry.batches());
    }

    @Test
    void aMarkerWithANewEpochMakesTheNextBatchStartAtZero() {
        assertOk(send(0, 3));
        state.onFollowerAppend(commitMarker(PID, (short) (EPOCH + 1), T0 + 50));
        ProducerEntry entry = state.producer(PID);
        assertEquals(EPOCH + 1, entry.epoch());
        assertTrue(entry.batches().isEmpty());
        assertEquals(T0 + 50, entry.lastTimestamp());
        assertError(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, state.check(PID, (short) (EPOCH + 1), 3, 3));
        assertOk(state.check(PID, (short) (EPOCH + 1), 0, 0));
    }

    private static LogAppendInfo info(long firstOffset, long lastOffset, long logAppendTime) {
        return new LogAppendInfo(firstOffset, lastOffset, T0, lastOffset, logAppendTime, 0L,
            (int) (lastOffset - firstOffset + 1), 0);
    }
}
