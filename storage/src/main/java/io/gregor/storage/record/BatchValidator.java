package io.gregor.storage.record;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;

/**
 * Checks the structure of v2 record batches in place: size, magic and CRC32C. One instance per
 * thread; it keeps its checksum state to avoid allocating per batch.
 */
public final class BatchValidator {
    private final CRC32C crc = new CRC32C();

    /**
     * Validates the batch at {@code pos} that must end by {@code limit}, and returns its size.
     *
     * @throws CorruptRecordException if the batch is cut short, of another magic, or fails its CRC
     */
    public int validate(ByteBuffer buf, int pos, int limit) {
        int remaining = limit - pos;
        if (remaining < BatchHeader.SIZE)
            throw new CorruptRecordException("Record batch at position " + pos + " is cut short: " + remaining
                + " bytes left, a batch header needs " + BatchHeader.SIZE);
        int size = BatchHeader.sizeInBytes(buf, pos);
        if (size < BatchHeader.SIZE || size > remaining)
            throw new CorruptRecordException("Record batch at position " + pos + " declares " + size
                + " bytes but " + remaining + " are left");
        byte magic = BatchHeader.magic(buf, pos);
        if (magic != BatchHeader.MAGIC_V2)
            throw new CorruptRecordException("Record batch at position " + pos + " has magic " + magic
                + "; only magic 2 is accepted");
        long stored = BatchHeader.storedCrc(buf, pos);
        long computed = crc(buf, pos, size);
        if (stored != computed)
            throw new CorruptRecordException("Record batch at position " + pos + " is corrupt (stored crc = "
                + stored + ", computed crc = " + computed + ")");
        if (BatchHeader.lastOffsetDelta(buf, pos) < 0)
            throw new CorruptRecordException("Record batch at position " + pos + " has a negative last offset delta");
        return size;
    }

    /**
     * Checks that the records of an uncompressed batch exactly fill it: as many length-prefixed
     * records as the header counts, the last ending where the batch ends. Only the length varints
     * are read. A batch that passes its CRC can still be malformed inside, and would then stop
     * every consumer at its offset; Kafka refuses those with INVALID_RECORD. Compressed batches
     * would have to be decompressed for this and are not checked here.
     *
     * @throws InvalidRecordException if the records do not add up
     */
    public void validateRecordFraming(ByteBuffer buf, int pos, int size) {
        if ((BatchHeader.attributes(buf, pos) & BatchHeader.COMPRESSION_MASK) != 0)
            return;
        int count = BatchHeader.recordCount(buf, pos);
        int end = pos + size;
        int at = pos + BatchHeader.SIZE;
        for (int i = 0; i < count; i++) {
            if (at >= end)
                throw new InvalidRecordException("Record batch declares " + count + " records but holds only " + i);
            int length = 0;
            int shift = 0;
            int b;
            do {
                if (at >= end || shift > 28)
                    throw new InvalidRecordException("Record " + i + " of the batch has a malformed length");
                b = buf.get(at++) & 0xff;
                length |= (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            length = (length >>> 1) ^ -(length & 1);
            if (length <= 0 || length > end - at)
                throw new InvalidRecordException("Record " + i + " of the batch claims " + length + " bytes but "
                    + (end - at) + " are left in the batch");
            at += length;
        }
        if (at != end)
            throw new InvalidRecordException("Record batch holds " + (end - at) + " bytes after its " + count
                + " records");
    }

    /** CRC32C over attributes..end. Reads through absolute positions, leaving {@code buf} untouched. */
    public long crc(ByteBuffer buf, int pos, int size) {
        crc.reset();
        int from = pos + BatchHeader.ATTRIBUTES;
        int to = pos + size;
        int oldPosition = buf.position();
        int oldLimit = buf.limit();
        try {
            buf.limit(to).position(from);
            crc.update(buf);
        } finally {
            buf.limit(oldLimit).position(oldPosition);
        }
        return crc.getValue();
    }

    /** Stamps LogAppendTime: sets the timestamp type bit, the max timestamp, and a new CRC. */
    public void setLogAppendTime(ByteBuffer buf, int pos, long timestamp) {
        int size = BatchHeader.sizeInBytes(buf, pos);
        buf.putShort(pos + BatchHeader.ATTRIBUTES, (short) (BatchHeader.attributes(buf, pos) | BatchHeader.TIMESTAMP_TYPE_MASK));
        buf.putLong(pos + BatchHeader.MAX_TIMESTAMP, timestamp);
        buf.putInt(pos + BatchHeader.CRC, (int) crc(buf, pos, size));
    }
}
