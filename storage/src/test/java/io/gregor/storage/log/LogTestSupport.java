package io.gregor.storage.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Utils;

/** Opens logs over a temp dir with a mock clock, and reads them back as kafka-clients batches. */
final class LogTestSupport {
    static final TopicPartition TP = new TopicPartition("events", 0);

    final TestTime time = new TestTime(1_700_000_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(time);
    final Path partitionDir;

    LogTestSupport(Path root) {
        this.partitionDir = root.resolve("events-0");
    }

    Log open(LogConfig config, boolean cleanShutdown, long recoveryPoint) throws IOException {
        return LogLoader.load(partitionDir, TP, config, time, scheduler, new LogDirHealth(partitionDir.getParent(),
            (dir, reason) -> { }), new LogLoader.Checkpoints(cleanShutdown, recoveryPoint, 0L, 0L));
    }

    Log open(LogConfig config) throws IOException {
        return open(config, true, 0L);
    }

    /** Every batch of the log from {@code from}, read the way a consumer would, page by page. */
    static List<RecordBatch> readAll(Log log, long from) {
        List<RecordBatch> batches = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            FetchDataInfo info = log.read(next, 64 * 1024, Long.MAX_VALUE, true);
            try (LogSlice slice = info.records()) {
                if (slice.isEmpty())
                    break;
                ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
                copy.put(slice.records()).flip();
                for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
                    batch.ensureValid();
                    if (batch.lastOffset() >= next)
                        batches.add(batch);
                    next = batch.lastOffset() + 1;
                }
            }
        }
        return batches;
    }

    /** Asserts that {@code batch} is the one the test built from {@code id}, at {@code baseOffset}. */
    static void assertBatch(RecordBatch batch, long id, int records, int valueSize, long baseOffset) {
        assertEquals(baseOffset, batch.baseOffset(), "base offset of batch " + id);
        assertEquals(baseOffset + records - 1, batch.lastOffset(), "last offset of batch " + id);
        int i = 0;
        for (Record record : batch) {
            assertEquals(baseOffset + i, record.offset());
            assertArrayEquals(TestBatches.key(id, i), Utils.toArray(record.key()));
            assertArrayEquals(TestBatches.value(id, i, valueSize), Utils.toArray(record.value()));
            i++;
        }
        assertEquals(records, i);
    }
}
