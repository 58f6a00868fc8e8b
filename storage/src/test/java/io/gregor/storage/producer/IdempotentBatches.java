package io.gregor.storage.producer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** Batches as an idempotent producer sends them, built by kafka-clients' own builder. */
final class IdempotentBatches {
    private IdempotentBatches() {
    }

    /** {@code records} records from {@code producerId}/{@code epoch}, the first with {@code baseSequence}. */
    static ByteBuffer batch(long producerId, short epoch, int baseSequence, int records, long timestamp) {
        ByteBuffer buffer = ByteBuffer.allocate(256 + records * 64);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
            TimestampType.CREATE_TIME, 0L, timestamp, producerId, epoch, baseSequence, false,
            RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < records; i++) {
            builder.append(timestamp, ("p" + producerId + "-s" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8),
                ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build().buffer();
    }

    /** A batch without a producer id, as a producer with idempotence disabled sends it. */
    static ByteBuffer plainBatch(int records, long timestamp) {
        return batch(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, records, timestamp);
    }

    /** A COMMIT marker of {@code producerId} at {@code epoch}, as the transaction coordinator writes it. */
    static ByteBuffer commitMarker(long producerId, short epoch, long timestamp) {
        return MemoryRecords.withEndTransactionMarker(0L, timestamp, RecordBatch.NO_PARTITION_LEADER_EPOCH, producerId,
            epoch, new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
    }
}
