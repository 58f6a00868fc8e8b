package io.gregor.storage.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.storage.internals.log.AppendOrigin;
import org.apache.kafka.storage.internals.log.ProducerAppendInfo;
import org.apache.kafka.storage.internals.log.ProducerStateEntry;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.gregor.storage.log.LogAppendInfo;
import io.gregor.storage.log.TestTime;
import io.gregor.storage.record.BatchHeader;

/**
 * Drives our producer state and Kafka 3.9's side by side, the way each broker's leader and follower
 * paths use them, with in-order batches, retries, gaps, epoch bumps, fenced epochs, sequences near
 * the wrap-around and expiry. They must give the same verdict and keep the same entries.
 */
class ProducerStateManagerKafkaComparisonTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int EXPIRATION_MS = 5_000;

    @TempDir
    Path kafkaDir;

    /** What the test itself knows of a producer, to aim its batches near the interesting cases. */
    private static final class Model {
        short epoch;
        int nextSeq;
        final List<int[]> sent = new ArrayList<>();
    }

    /** A verdict reduced to what the produce response carries. */
    private record Verdict(AppendCheck.Outcome outcome, Errors error, long firstOffset, long lastOffset) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void agreesWithKafka(long seed) throws IOException {
        Random random = new Random(seed);
        TestTime time = new TestTime(1_700_000_000_000L);
        ProducerStateManager ours = new ProducerStateManager(TP);
        var kafka = new org.apache.kafka.storage.internals.log.ProducerStateManager(TP, kafkaDir.toFile(), 60_000,
            new ProducerStateManagerConfig(EXPIRATION_MS, false), time);
        Map<Long, Model> models = new HashMap<>();
        long logEnd = 0;
        Map<String, Integer> seen = new HashMap<>();

        for (int step = 0; step < 3000; step++) {
            String context = "seed " + seed + " step " + step;
            time.sleep(random.nextInt(60));
            if (random.nextInt(100) < 3) {
                ours.removeExpiredProducers(time.milliseconds(), EXPIRATION_MS);
                kafka.removeExpiredProducers(time.milliseconds());
                assertSameEntries(kafka, ours, context);
                continue;
            }
            long pid = 100 + random.nextInt(4);
            Model model = models.computeIfAbsent(pid, p -> {
                Model m = new Model();
                m.epoch = (short) random.nextInt(3);
                m.nextSeq = random.nextBoolean() ? 0 : Integer.MAX_VALUE - random.nextInt(12);
                return m;
            });
            short epoch = model.epoch;
            int baseSeq = model.nextSeq;
            int records = 1 + random.nextInt(5);
            int op = random.nextInt(100);
            if (op < 14 && !model.sent.isEmpty()) {
                int[] old = model.sent.get(Math.max(0, model.sent.size() - 1 - random.nextInt(8)));
                epoch = (short) old[0];
                baseSeq = old[1];
                records = old[2];
            } else if (op < 22) {
                baseSeq = ProducerStateManager.incrementSequence(baseSeq, 1 + random.nextInt(3));
            } else if (op < 28) {
                epoch = (short) (model.epoch + 1);
                baseSeq = 0;
            } else if (op < 32) {
                epoch = (short) (model.epoch + 1);
                baseSeq = random.nextInt(5);
            } else if (op < 36) {
                epoch = (short) Math.max(0, model.epoch - 1);
            } else if (op < 39) {
                baseSeq = random.nextInt(Integer.MAX_VALUE);
            }
            ByteBuffer buf = IdempotentBatches.batch(pid, epoch, baseSeq, records, time.milliseconds());
            BatchHeader.setBaseOffset(buf, 0, logEnd);
            RecordBatch batch = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator().next();

            if (random.nextInt(100) < 6) {
                // A follower copies what its leader wrote: no checks on either side.
                ProducerAppendInfo info = kafka.prepareUpdate(pid, AppendOrigin.REPLICATION);
                info.append(batch, Optional.empty());
                kafka.update(info);
                ours.onFollowerAppend(buf);
                logEnd += records;
                remember(model, epoch, baseSeq, records);
                assertSameEntries(kafka, ours, context + " (follower append)");
                continue;
            }

            Verdict expected = kafkaVerdict(kafka, pid, batch);
            AppendCheck check = ours.check(buf, 0);
            Verdict actual = new Verdict(check.outcome(), check.error(), check.firstOffset(), check.lastOffset());
            assertEquals(expected, actual, context + ": " + batch + " / " + check);
            seen.merge(check.outcome() + "/" + check.error(), 1, Integer::sum);
            if (check.isOk()) {
                ours.onLeaderAppend(buf, new LogAppendInfo(logEnd, logEnd + records - 1, batch.maxTimestamp(),
                    logEnd + records - 1, -1L, 0L, records, buf.remaining()));
                logEnd += records;
                remember(model, epoch, baseSeq, records);
            }
            assertSameEntries(kafka, ours, context);
        }
        assertEquals(Set.of("OK/NONE", "DUPLICATE/NONE", "ERROR/INVALID_PRODUCER_EPOCH",
            "ERROR/OUT_OF_ORDER_SEQUENCE_NUMBER"), seen.keySet(), "every verdict is exercised: " + seen);
    }

    private static void remember(Model model, short epoch, int baseSeq, int records) {
        model.epoch = epoch;
        model.nextSeq = ProducerStateManager.incrementSequence(baseSeq, records);
        model.sent.add(new int[] {epoch, baseSeq, records});
    }

    /** What Kafka's UnifiedLog does for a client batch: duplicate lookup, then the append checks. */
    private static Verdict kafkaVerdict(org.apache.kafka.storage.internals.log.ProducerStateManager kafka, long pid,
                                        RecordBatch batch) {
        Optional<org.apache.kafka.storage.internals.log.BatchMetadata> duplicate =
            kafka.lastEntry(pid).flatMap(entry -> entry.findDuplicateBatch(batch));
        if (duplicate.isPresent())
            return new Verdict(AppendCheck.Outcome.DUPLICATE, Errors.NONE, duplicate.get().firstOffset(),
                duplicate.get().lastOffset);
        ProducerAppendInfo info = kafka.prepareUpdate(pid, AppendOrigin.CLIENT);
        try {
            info.append(batch, Optional.empty());
        } catch (InvalidProducerEpochException e) {
            return new Verdict(AppendCheck.Outcome.ERROR, Errors.INVALID_PRODUCER_EPOCH, -1L, -1L);
        } catch (OutOfOrderSequenceException e) {
            return new Verdict(AppendCheck.Outcome.ERROR, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, -1L, -1L);
        }
        kafka.update(info);
        kafka.updateMapEndOffset(batch.lastOffset() + 1);
        return new Verdict(AppendCheck.Outcome.OK, Errors.NONE, -1L, -1L);
    }

    private static void assertSameEntries(org.apache.kafka.storage.internals.log.ProducerStateManager kafka,
                                          ProducerStateManager ours, String context) {
        Map<Long, ProducerStateEntry> theirs = kafka.activeProducers();
        assertEquals(theirs.keySet(), ours.producers().keySet(), context + ": producers");
        for (ProducerStateEntry entry : theirs.values()) {
            ProducerEntry mine = ours.producer(entry.producerId());
            assertEquals(entry.producerEpoch(), mine.epoch(), context + ": epoch of " + entry.producerId());
            assertEquals(entry.lastTimestamp(), mine.lastTimestamp(), context + ": timestamp of " + entry.producerId());
            List<BatchMetadata> expected = new ArrayList<>();
            for (var b : entry.batchMetadata())
                expected.add(new BatchMetadata(b.firstSeq(), b.lastSeq, b.firstOffset(), b.lastOffset, b.timestamp));
            assertEquals(expected, mine.batches(), context + ": batches of " + entry.producerId());
        }
    }
}
