package io.gregor.storage.mmap;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.io.ClosedIllegalStateException;
import net.openhft.chronicle.core.io.ReferenceOwner;

/**
 * One file mapped as a single contiguous region through Chronicle Bytes.
 *
 * <p>The region is reference counted: the owner holds one reservation until {@link #close()},
 * and every reader that hands bytes to another thread holds a {@link Lease}. The memory is
 * unmapped only when the last reservation is gone, so a reader holding a lease can never
 * touch unmapped memory, even if the segment was deleted meanwhile.
 *
 * <p>The mapping may be larger than the file's valid data (a preallocated active segment);
 * callers only ever read below the length they have written.
 */
public final class MappedRegion implements AutoCloseable {
    private Path path;
    private final MappedFile mappedFile;
    private final MappedBytesStore store;
    private final ReferenceOwner owner;
    private final ByteBuffer view;
    private final boolean readOnly;
    private boolean closed;
    private long allocated;
    private final String leaseName;

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1024 * 1024).asReadOnlyBuffer();

    private MappedRegion(Path path, MappedFile mappedFile, MappedBytesStore store, ReferenceOwner owner, boolean readOnly) {
        this.path = path;
        this.mappedFile = mappedFile;
        this.store = store;
        this.owner = owner;
        this.readOnly = readOnly;
        this.leaseName = "lease:" + path.getFileName();
        // Handed between the partition's owner thread and the flusher, so Chronicle's
        // single-thread assertion does not apply.
        mappedFile.singleThreadedCheckDisabled(true);
        store.singleThreadedCheckDisabled(true);
        this.view = store.toTemporaryDirectByteBuffer();
    }

    /**
     * Maps {@code path} with at least {@code capacity} bytes. A writable mapping grows the file to
     * the capacity (sparse); a read-only one never changes the file.
     */
    public static MappedRegion map(Path path, long capacity, boolean readOnly) throws IOException {
        if (capacity <= 0 || capacity > Integer.MAX_VALUE)
            throw new IllegalArgumentException("capacity " + capacity + " of " + path + " is not in (0, 2^31)");
        File file = path.toFile();
        MappedFile mappedFile;
        try {
            mappedFile = MappedFile.ofSingle(file, capacity, readOnly);
        } catch (RuntimeException e) {
            throw asIOException(path, e);
        }
        ReferenceOwner owner = ReferenceOwner.temporary("region:" + path.getFileName());
        try {
            MappedBytesStore store = mappedFile.acquireByteStore(owner, 0);
            return new MappedRegion(path, mappedFile, store, owner, readOnly);
        } catch (IOException | RuntimeException e) {
            mappedFile.releaseLast();
            throw asIOException(path, e);
        }
    }

    private static IOException asIOException(Path path, Exception e) {
        return e instanceof IOException io ? io : new IOException("cannot map " + path + ": " + e.getMessage(), e);
    }

    public Path path() {
        return path;
    }

    /** Size of the mapping; the valid length of the data is the caller's business. */
    public int capacity() {
        return view.capacity();
    }

    public boolean readOnly() {
        return readOnly;
    }

    /**
     * The whole mapping as a big-endian buffer (Kafka's byte order). The returned buffer has
     * its own position and limit; it must only be used while the region, or a lease on it, is held.
     */
    public ByteBuffer view() {
        return view.duplicate();
    }

    /** Absolute access to the shared view for the owner thread, without allocating a duplicate. */
    public ByteBuffer sharedView() {
        return view;
    }

    /** Reserves the mapping for a reader; the memory stays mapped until the lease is closed. */
    public Lease lease() {
        ReferenceOwner reader = ReferenceOwner.temporary(leaseName);
        try {
            store.reserve(reader);
        } catch (ClosedIllegalStateException e) {
            throw new IllegalStateException(path + " is already unmapped", e);
        }
        return new Lease(reader);
    }

    /**
     * Forces the first {@code length} bytes to the device (msync), and with {@code metadata} the
     * file's length too. Called from the flusher while the owner may remap the file: returns false
     * if this mapping was closed meanwhile, so the caller retries with the current one.
     */
    public boolean trySync(long length, boolean metadata) throws IOException {
        Lease lease;
        try {
            lease = lease();
        } catch (IllegalStateException unmapped) {
            return false;
        }
        try (lease) {
            store.syncUpTo(length, SyncMode.SYNC);
            if (metadata)
                channel().force(true);
            return true;
        } catch (ClosedChannelException closed) {
            return false;
        }
    }

    public FileChannel channel() {
        return mappedFile.raf().getChannel();
    }

    /**
     * Cuts the file to {@code length}. The mapping keeps its size; pages past the new end must
     * not be touched again, which holds because only data below {@code length} is ever read.
     */
    public void truncateFile(long length) throws IOException {
        if (readOnly)
            throw new IOException(path + " is mapped read-only");
        FileChannel channel = channel();
        if (channel.size() > length)
            channel.truncate(length);
    }

    /**
     * Cuts the file to {@code length} and grows it back to the mapping's capacity, so every byte
     * past {@code length} reads as zero again. Only safe while no reader holds a lease.
     */
    public void cutAndExtend(long length) throws IOException {
        truncateFile(length);
        allocated = Math.min(allocated, length);
        mappedFile.raf().setLength(capacity());
    }

    /** Declares that the first {@code length} bytes hold data, so {@link #ensureAllocated} never overwrites them. */
    public void assumeAllocated(long length) {
        allocated = Math.max(allocated, length);
    }

    /**
     * Makes sure disk blocks back the file up to {@code upTo}, reserving {@code chunk} bytes ahead
     * at a time, by writing zeros through the file channel. Writing into a sparse mapping instead
     * would fault with SIGBUS on a full disk, which the JVM reports as an InternalError at some
     * later, unrelated instruction; a write reports ENOSPC as an IOException right here.
     */
    public void ensureAllocated(long upTo, long chunk) throws IOException {
        if (upTo <= allocated)
            return;
        long target = Math.min(capacity(), Math.max(upTo, allocated + chunk));
        FileChannel channel = channel();
        long position = allocated;
        while (position < target) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(zeros.capacity(), target - position));
            position += channel.write(zeros, position);
        }
        allocated = target;
    }

    /** Records that the file was renamed; the mapping follows the inode, not the name. */
    public void movedTo(Path newPath) {
        this.path = newPath;
    }

    public long fileSize() throws IOException {
        return channel().size();
    }

    /** Drops the owner's reservation; the memory is unmapped once no lease holds it any more. */
    @Override
    public void close() {
        if (closed)
            return;
        closed = true;
        store.release(owner);
        // The single mapped file's own reservation is not dropped by Chronicle unless
        // mappedFile.retain is set, so the mapping would never be unmapped without this.
        mappedFile.releaseLast();
        store.release(mappedFile);
    }

    public final class Lease implements AutoCloseable {
        private final ReferenceOwner reader;
        private boolean released;

        private Lease(ReferenceOwner reader) {
            this.reader = reader;
        }

        public MappedRegion region() {
            return MappedRegion.this;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                store.release(reader);
            }
        }
    }
}
