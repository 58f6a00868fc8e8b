package io.gregor.storage.epoch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.gregor.storage.checkpoint.LeaderEpochCheckpointFile;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Drives our cache and Kafka 3.9's side by side with random operations; they must agree on every answer. */
class LeaderEpochFileCacheKafkaComparisonTest {

    @TempDir
    Path oursDir;

    @TempDir
    Path kafkaDir;

    private KafkaScheduler scheduler;

    @BeforeEach
    void startScheduler() {
        scheduler = new KafkaScheduler(1);
        scheduler.startup();
    }

    @AfterEach
    void stopScheduler() throws InterruptedException {
        scheduler.shutdown();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void agreesWithKafka(long seed) throws IOException {
        Random random = new Random(seed);
        LeaderEpochFileCache ours = new LeaderEpochFileCache(LeaderEpochCheckpointFile.inPartitionDir(oursDir));
        var kafka = new org.apache.kafka.storage.internals.epoch.LeaderEpochFileCache(new TopicPartition("t", 0),
                new org.apache.kafka.storage.internals.checkpoint.LeaderEpochCheckpointFile(
                        kafkaDir.resolve("leader-epoch-checkpoint").toFile(), new LogDirFailureChannel(1)),
                scheduler);

        // Mostly what a log does (epochs rise as offsets grow), with some arbitrary moves to reach the conflict paths.
        long logEnd = 0;
        for (int step = 0; step < 150; step++) {
            int op = random.nextInt(100);
            if (op < 60) {
                int epoch = ours.latestEpoch().orElse(0) + random.nextInt(3);
                logEnd += random.nextInt(4);
                ours.assign(epoch, logEnd);
                kafka.assign(epoch, logEnd);
            } else if (op < 70) {
                int epoch = random.nextInt(ours.latestEpoch().orElse(0) + 3);
                long offset = random.nextInt((int) logEnd + 4);
                logEnd = Math.max(logEnd, offset);
                ours.assign(epoch, offset);
                kafka.assign(epoch, offset);
            } else if (op < 82) {
                logEnd = random.nextInt((int) logEnd + 1);
                ours.truncateFromEnd(logEnd);
                kafka.truncateFromEndAsyncFlush(logEnd);
            } else if (op < 97) {
                long logStart = random.nextInt((int) logEnd + 1);
                ours.truncateFromStart(logStart);
                kafka.truncateFromStartAsyncFlush(logStart);
            } else {
                ours.clearAndFlush();
                kafka.clearAndFlush();
            }
            String context = "seed " + seed + " step " + step;
            List<EpochEntry> expected = kafka.epochEntries().stream()
                    .map(e -> new EpochEntry(e.epoch, e.startOffset)).toList();
            assertEquals(expected, ours.entries(), context);
            assertEquals(kafka.latestEpoch(), ours.latestEpoch(), context);
            for (long probe = 0; probe <= logEnd + 1; probe++) {
                assertEquals(kafka.epochForOffset(probe), ours.epochForOffset(probe), context + " offset " + probe);
            }
            for (int requested = -1; requested <= ours.latestEpoch().orElse(0) + 1; requested++) {
                Map.Entry<Integer, Long> answer = kafka.endOffsetFor(requested, logEnd);
                assertEquals(new EpochEndOffset(answer.getKey(), answer.getValue()),
                        ours.endOffsetFor(requested, logEnd), context + " epoch " + requested);
            }
        }
        LeaderEpochFileCache reloaded = new LeaderEpochFileCache(LeaderEpochCheckpointFile.inPartitionDir(oursDir));
        assertEquals(ours.entries(), reloaded.entries());
    }
}
