package io.gregor.storage.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * Record batches built by kafka-clients' own builder, as a producer would send them. Keys and
 * values are derived from a batch id, so a test can check what it reads back without keeping it.
 */
public final class TestBatches {
    private TestBatches() {
    }

    /** A batch of {@code records} records; record i has key "k{id}-{i}" and a value of {@code valueSize} bytes. */
    public static ByteBuffer batch(long id, int records, int valueSize, CompressionType compression, long timestamp) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(1024, records * (valueSize + 64) + 128));
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2,
            Compression.of(compression).build(), TimestampType.CREATE_TIME, 0L, timestamp,
            RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false,
            RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < records; i++)
            builder.append(timestamp + i, key(id, i), value(id, i, valueSize));
        return builder.build().buffer();
    }

    public static ByteBuffer batch(long id, int records, int valueSize, long timestamp) {
        return batch(id, records, valueSize, CompressionType.NONE, timestamp);
    }

    public static byte[] key(long id, int i) {
        return ("k" + id + "-" + i).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] value(long id, int i, int size) {
        byte[] value = new byte[size];
        for (int j = 0; j < size; j++)
            value[j] = (byte) ('a' + (id * 31 + i * 7 + j) % 26);
        return value;
    }

    /** Concatenates batches into one buffer, as a produce request carries them. */
    public static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches)
            size += b.remaining();
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches)
            all.put(b.duplicate());
        return all.flip();
    }
}
