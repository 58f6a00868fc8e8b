package io.gregor.storage.log;

import java.nio.ByteBuffer;

import io.gregor.storage.mmap.MappedRegion;

/**
 * Whole record batches read from one segment: a direct buffer over the mapped file, no copy.
 * The slice holds a lease on the mapping, so the bytes stay valid on any thread until
 * {@link #close()}, even if the segment is deleted meanwhile. Close it exactly once, after the
 * bytes have been written to the socket.
 */
public final class LogSlice implements AutoCloseable {
    public static final LogSlice EMPTY = new LogSlice(null, ByteBuffer.allocate(0).asReadOnlyBuffer(), -1, -1);

    private final MappedRegion.Lease lease;
    private final ByteBuffer records;
    private final long segmentBaseOffset;
    private final int position;

    LogSlice(MappedRegion.Lease lease, ByteBuffer records, long segmentBaseOffset, int position) {
        this.lease = lease;
        this.records = records;
        this.segmentBaseOffset = segmentBaseOffset;
        this.position = position;
    }

    /** The batches, from position 0 to the limit; a fresh read-only view on each call. */
    public ByteBuffer records() {
        return records.asReadOnlyBuffer();
    }

    public int sizeInBytes() {
        return records.remaining();
    }

    public boolean isEmpty() {
        return records.remaining() == 0;
    }

    /** Base offset of the segment the bytes come from. */
    public long segmentBaseOffset() {
        return segmentBaseOffset;
    }

    /** Byte position of the first batch in its segment file (for sendfile-style transfers). */
    public int position() {
        return position;
    }

    @Override
    public void close() {
        if (lease != null)
            lease.close();
    }
}
