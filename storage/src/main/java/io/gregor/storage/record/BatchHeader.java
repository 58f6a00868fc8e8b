package io.gregor.storage.record;

import java.nio.ByteBuffer;

/**
 * The fixed 61-byte header of a v2 record batch, read and patched in place at an absolute
 * position of a big-endian buffer. Nothing here decodes records: the log only ever needs the
 * header to assign offsets, index and validate.
 *
 * <pre>
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 * attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
 * producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32
 * </pre>
 */
public final class BatchHeader {
    public static final int BASE_OFFSET = 0;
    public static final int LENGTH = 8;
    public static final int PARTITION_LEADER_EPOCH = 12;
    public static final int MAGIC = 16;
    public static final int CRC = 17;
    public static final int ATTRIBUTES = 21;
    public static final int LAST_OFFSET_DELTA = 23;
    public static final int BASE_TIMESTAMP = 27;
    public static final int MAX_TIMESTAMP = 35;
    public static final int PRODUCER_ID = 43;
    public static final int PRODUCER_EPOCH = 51;
    public static final int BASE_SEQUENCE = 53;
    public static final int RECORD_COUNT = 57;

    /** Bytes before the batchLength field counts: baseOffset and the length itself. */
    public static final int LOG_OVERHEAD = 12;
    public static final int SIZE = 61;
    public static final byte MAGIC_V2 = 2;

    public static final short TIMESTAMP_TYPE_MASK = 0x08;
    public static final short TRANSACTIONAL_MASK = 0x10;
    public static final short CONTROL_MASK = 0x20;
    public static final short COMPRESSION_MASK = 0x07;

    private BatchHeader() {
    }

    public static long baseOffset(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_OFFSET);
    }

    /** Total size of the batch on disk, header included. */
    public static int sizeInBytes(ByteBuffer buf, int pos) {
        return buf.getInt(pos + LENGTH) + LOG_OVERHEAD;
    }

    public static int partitionLeaderEpoch(ByteBuffer buf, int pos) {
        return buf.getInt(pos + PARTITION_LEADER_EPOCH);
    }

    public static byte magic(ByteBuffer buf, int pos) {
        return buf.get(pos + MAGIC);
    }

    public static long storedCrc(ByteBuffer buf, int pos) {
        return Integer.toUnsignedLong(buf.getInt(pos + CRC));
    }

    public static short attributes(ByteBuffer buf, int pos) {
        return buf.getShort(pos + ATTRIBUTES);
    }

    public static boolean isLogAppendTime(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & TIMESTAMP_TYPE_MASK) != 0;
    }

    public static boolean isControl(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & CONTROL_MASK) != 0;
    }

    public static int lastOffsetDelta(ByteBuffer buf, int pos) {
        return buf.getInt(pos + LAST_OFFSET_DELTA);
    }

    public static long lastOffset(ByteBuffer buf, int pos) {
        return baseOffset(buf, pos) + lastOffsetDelta(buf, pos);
    }

    public static long baseTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_TIMESTAMP);
    }

    public static long maxTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + MAX_TIMESTAMP);
    }

    public static long producerId(ByteBuffer buf, int pos) {
        return buf.getLong(pos + PRODUCER_ID);
    }

    public static short producerEpoch(ByteBuffer buf, int pos) {
        return buf.getShort(pos + PRODUCER_EPOCH);
    }

    public static int baseSequence(ByteBuffer buf, int pos) {
        return buf.getInt(pos + BASE_SEQUENCE);
    }

    public static int recordCount(ByteBuffer buf, int pos) {
        return buf.getInt(pos + RECORD_COUNT);
    }

    public static void setBaseOffset(ByteBuffer buf, int pos, long baseOffset) {
        buf.putLong(pos + BASE_OFFSET, baseOffset);
    }

    /** The leader epoch is outside the CRC, so it is patched without recomputing it. */
    public static void setPartitionLeaderEpoch(ByteBuffer buf, int pos, int epoch) {
        buf.putInt(pos + PARTITION_LEADER_EPOCH, epoch);
    }
}
