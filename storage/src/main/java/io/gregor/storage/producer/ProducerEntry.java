package io.gregor.storage.producer;

import java.util.ArrayDeque;
import java.util.List;

import org.apache.kafka.common.record.RecordBatch;

/**
 * The state of one producer id on one partition: its current epoch, the time of its last write,
 * and the metadata of its last {@link ProducerStateManager#NUM_BATCHES_TO_RETAIN} batches of that
 * epoch (oldest first). Changed only by its {@link ProducerStateManager}; callers read it.
 */
public final class ProducerEntry {
    private final long producerId;
    private final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(ProducerStateManager.NUM_BATCHES_TO_RETAIN);
    private short epoch = RecordBatch.NO_PRODUCER_EPOCH;
    private long lastTimestamp = RecordBatch.NO_TIMESTAMP;

    ProducerEntry(long producerId) {
        this.producerId = producerId;
    }

    public long producerId() {
        return producerId;
    }

    public short epoch() {
        return epoch;
    }

    /** Max timestamp of the producer's last batch or marker; expiry counts from it. */
    public long lastTimestamp() {
        return lastTimestamp;
    }

    /** The cached batches of the current epoch, oldest first (a copy). */
    public List<BatchMetadata> batches() {
        return List.copyOf(batches);
    }

    /** The last appended batch of the current epoch, or null after an epoch change by a marker. */
    public BatchMetadata lastBatch() {
        return batches.peekLast();
    }

    /** Last sequence of the last batch of the current epoch, or -1 (NO_SEQUENCE) if there is none. */
    public int lastSequence() {
        BatchMetadata last = batches.peekLast();
        return last == null ? RecordBatch.NO_SEQUENCE : last.lastSeq();
    }

    /** The cached batch with exactly this sequence range, or null. */
    BatchMetadata findBatch(int firstSeq, int lastSeq) {
        for (BatchMetadata batch : batches) {
            if (batch.firstSeq() == firstSeq && batch.lastSeq() == lastSeq)
                return batch;
        }
        return null;
    }

    /** A batch of this producer was appended: a new epoch forgets the old epoch's batches. */
    void addBatch(short batchEpoch, BatchMetadata batch) {
        maybeUpdateEpoch(batchEpoch);
        if (batches.size() == ProducerStateManager.NUM_BATCHES_TO_RETAIN)
            batches.removeFirst();
        batches.addLast(batch);
        lastTimestamp = batch.timestamp();
    }

    /** A transaction marker of this producer was appended. */
    void addMarker(short markerEpoch, long timestamp) {
        maybeUpdateEpoch(markerEpoch);
        lastTimestamp = timestamp;
    }

    private void maybeUpdateEpoch(short newEpoch) {
        if (newEpoch != epoch) {
            batches.clear();
            epoch = newEpoch;
        }
    }

    @Override
    public String toString() {
        return "ProducerEntry(producerId=" + producerId + ", epoch=" + epoch + ", lastTimestamp=" + lastTimestamp
            + ", batches=" + batches + ")";
    }
}
