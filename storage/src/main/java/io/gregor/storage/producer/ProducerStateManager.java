package io.gregor.storage.producer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

import io.gregor.storage.log.AppendGuard;
import io.gregor.storage.log.LogAppendInfo;
import io.gregor.storage.record.BatchHeader;

/**
 * Idempotent-producer state of one partition (KIP-98): per producer id, the current epoch and the
 * sequence ranges and offsets of its last {@value #NUM_BATCHES_TO_RETAIN} batches (the producer's
 * max.in.flight), so the leader can reject batches out of order or from a fenced epoch, and answer a
 * retried batch with the offsets it already has instead of appending it twice.
 *
 * <p>Used by the partition's owner thread only, so it takes no locks.
 *
 * <p>Order of use on the leader: {@link #checkRecords} (or {@link #check}) before
 * {@code Log.appendAsLeader}; {@link #onLeaderAppend} after it succeeded. On a follower:
 * {@link #onFollowerAppend} after {@code Log.appendAsFollower} (no checks, as Kafka: the leader
 * already validated). After a log truncation, and at load, rebuild with {@link ProducerStateLoader}.
 *
 * <p>Semantics follow Kafka 3.9 ({@code ProducerAppendInfo}, {@code ProducerStateEntry}), checked
 * side by side against it by {@code ProducerStateManagerKafkaComparisonTest}:
 * <ul>
 *   <li>A duplicate is a batch of the producer's current epoch whose exact sequence range is one of
 *       the cached batches; it is looked up first.</li>
 *   <li>An epoch below the current one is {@link Errors#INVALID_PRODUCER_EPOCH} (what Kafka 2.7+
 *       answers to produce requests with a fenced epoch).</li>
 *   <li>A new (higher) epoch of a known producer must start at sequence 0, else
 *       {@link Errors#OUT_OF_ORDER_SEQUENCE_NUMBER}.</li>
 *   <li>Within the epoch the first sequence must follow the last one (wrapping from
 *       {@link Integer#MAX_VALUE} to 0), else {@link Errors#OUT_OF_ORDER_SEQUENCE_NUMBER}. That
 *       includes an old retry no longer cached: Kafka 3.x never answers
 *       {@link Errors#DUPLICATE_SEQUENCE_NUMBER} from the log (no broker code raises it since the
 *       KIP-360 rework), so neither do we.</li>
 *   <li>An unknown producer id (never seen, expired, or its batches removed by retention before a
 *       restart) is accepted with any sequence: since KIP-360 (Kafka 2.5) the leader no longer
 *       answers UNKNOWN_PRODUCER_ID, it starts tracking the producer at that sequence.</li>
 *   <li>Batches without a producer id (-1) are not tracked and always OK.</li>
 * </ul>
 *
 * <p>Transactions are not tracked (no ongoing-transaction offsets, no coordinator epoch); markers
 * only move the producer's epoch and last timestamp, as they do in Kafka's entry.
 */
public final class ProducerStateManager implements AppendGuard {
    /** Kafka's {@code ProducerStateEntry.NUM_BATCHES_TO_RETAIN}: the producer's max in-flight requests. */
    public static final int NUM_BATCHES_TO_RETAIN = 5;
    /** Default of Kafka's {@code producer.id.expiration.ms}: one day. */
    public static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000L;

    private final TopicPartition topicPartition;
    private final HashMap<Long, ProducerEntry> producers = new HashMap<>();

    public ProducerStateManager(TopicPartition topicPartition) {
        this.topicPartition = topicPartition;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    // ---------------------------------------------------------------- checks (leader, before the append)

    /**
     * Checks one idempotent batch a client sent, before it is appended. {@code lastSequence} is
     * {@code incrementSequence(baseSequence, lastOffsetDelta)}.
     */
    public AppendCheck check(long producerId, short epoch, int baseSequence, int lastSequence) {
        return check(producerId, epoch, baseSequence, lastSequence, null);
    }

    /**
     * Checks the batch whose header starts at {@code pos}, adding the checks Kafka's LogValidator
     * makes on the producer fields of client batches: no control batches, and a sequence on every
     * batch that carries a producer id ({@link Errors#INVALID_RECORD} otherwise). A batch cut short
     * or not of magic 2 is {@link Errors#CORRUPT_MESSAGE}; the CRC is left to the log's append.
     */
    public AppendCheck check(ByteBuffer buf, int pos) {
        return checkBatch(buf, pos, null);
    }

    /**
     * Checks every batch of a produce request's records (from position to limit) in order, each
     * against the state as the earlier ones would leave it, as Kafka does for one append. Returns
     * the first verdict that is not OK: a duplicate anywhere makes the whole append a duplicate
     * (Kafka then answers the offsets of that cached batch), an error rejects it all. Produce
     * requests v3+ carry a single batch, so this is usually {@link #check(ByteBuffer, int)}.
     */
    public AppendCheck checkRecords(ByteBuffer records) {
        int limit = records.limit();
        List<Pending> pending = null;
        for (int pos = records.position(); pos < limit; pos += BatchHeader.sizeInBytes(records, pos)) {
            if (pending == null && limit - pos >= BatchHeader.SIZE && pos + BatchHeader.sizeInBytes(records, pos) < limit)
                pending = new ArrayList<>(2);
            AppendCheck verdict = checkBatch(records, pos, pending);
            if (!verdict.isOk())
                return verdict;
        }
        return AppendCheck.ok();
    }

    private AppendCheck checkBatch(ByteBuffer buf, int pos, List<Pending> pending) {
        // The log validates the batches (and their CRC) only in appendAsLeader, after this check:
        // refuse here what cannot even be stepped over, with the error the append would give.
        int remaining = buf.limit() - pos;
        int size = remaining < BatchHeader.SIZE ? -1 : BatchHeader.sizeInBytes(buf, pos);
        if (size < BatchHeader.SIZE || size > remaining || BatchHeader.magic(buf, pos) != BatchHeader.MAGIC_V2)
            return AppendCheck.error(Errors.CORRUPT_MESSAGE, "Record batch at position " + pos + " of the append to "
                + topicPartition + " is cut short or not a v2 batch (" + remaining + " bytes left)");
        long producerId = BatchHeader.producerId(buf, pos);
        if (BatchHeader.isControl(buf, pos))
            return AppendCheck.error(Errors.INVALID_RECORD,
                "Clients are not allowed to write control records in topic partition " + topicPartition + ".");
        if (producerId == RecordBatch.NO_PRODUCER_ID)
            return AppendCheck.ok();
        int baseSequence = BatchHeader.baseSequence(buf, pos);
        if (baseSequence < 0)
            return AppendCheck.error(Errors.INVALID_RECORD, "Invalid sequence number " + baseSequence
                + " in record batch with producerId " + producerId + " in topic partition " + topicPartition + ".");
        short epoch = BatchHeader.producerEpoch(buf, pos);
        int lastSequence = incrementSequence(baseSequence, BatchHeader.lastOffsetDelta(buf, pos));
        Pending earlier = null;
        if (pending != null) {
            for (Pending p : pending) {
                if (p.producerId == producerId)
                    earlier = p;
            }
        }
        AppendCheck verdict = check(producerId, epoch, baseSequence, lastSequence, earlier);
        if (verdict.isOk() && pending != null) {
            if (earlier == null)
                pending.add(new Pending(producerId, epoch, lastSequence));
            else {
                earlier.epoch = epoch;
                earlier.lastSequence = lastSequence;
            }
        }
        return verdict;
    }

    /**
     * The rules of Kafka's duplicate lookup, {@code checkProducerEpoch} and {@code checkSequence}.
     * {@code earlier} is the state left by earlier batches of the same append (Kafka's
     * {@code updatedEntry}), or null when this is the producer's first batch in it.
     */
    private AppendCheck check(long producerId, short epoch, int firstSeq, int lastSeq, Pending earlier) {
        if (producerId == RecordBatch.NO_PRODUCER_ID)
            return AppendCheck.ok();
        ProducerEntry current = producers.get(producerId);
        short currentEpoch = current == null ? RecordBatch.NO_PRODUCER_EPOCH : current.epoch();
        // Duplicates are looked up in the state before this append, and only within the same epoch.
        if (current != null && epoch == currentEpoch) {
            BatchMetadata duplicate = current.findBatch(firstSeq, lastSeq);
            if (duplicate != null)
                return AppendCheck.duplicate(duplicate);
        }
        short updatedEpoch = earlier != null ? earlier.epoch : currentEpoch;
        if (epoch < updatedEpoch)
            return AppendCheck.error(Errors.INVALID_PRODUCER_EPOCH, "Epoch of producer " + producerId + " in "
                + topicPartition + " is " + epoch + ", which is smaller than the last seen epoch " + updatedEpoch);
        if (epoch != updatedEpoch) {
            // A bumped epoch restarts the sequence at 0; an unknown producer (-1) may start anywhere.
            if (firstSeq != 0 && updatedEpoch != RecordBatch.NO_PRODUCER_EPOCH)
                return AppendCheck.error(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Invalid sequence number for new epoch "
                    + "of producer " + producerId + " in partition " + topicPartition + ": " + epoch
                    + " (request epoch), " + firstSeq + " (seq. number), " + updatedEpoch + " (current producer epoch)");
            return AppendCheck.ok();
        }
        int currentLastSeq;
        if (earlier != null)
            currentLastSeq = earlier.lastSequence;
        else if (current != null && epoch == currentEpoch)
            currentLastSeq = current.lastSequence();
        else
            currentLastSeq = RecordBatch.NO_SEQUENCE;
        // With no epoch on record (the producer's data is gone) any sequence is accepted.
        if (currentEpoch != RecordBatch.NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, firstSeq))
            return AppendCheck.error(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Out of order sequence number for producer "
                + producerId + " in partition " + topicPartition + ": " + firstSeq + " (incoming seq. number), "
                + currentLastSeq + " (current end sequence number)");
        return AppendCheck.ok();
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    /** A producer's state as left by earlier batches of the append being checked. */
    private static final class Pending {
        final long producerId;
        short epoch;
        int lastSequence;

        Pending(long producerId, short epoch, int lastSequence) {
            this.producerId = producerId;
            this.epoch = epoch;
            this.lastSequence = lastSequence;
        }
    }

    // ---------------------------------------------------------------- updates (after the append)

    /**
     * Records an appended idempotent batch, on the leader or a follower or while loading. Takes the
     * batch as it is, without checks (Kafka's REPLICATION origin): an older epoch replaces the
     * current one, a new epoch forgets the cached batches of the previous one.
     *
     * @param timestamp the batch's max timestamp as stored (the LogAppendTime when the topic stamps one)
     */
    public void onAppend(long producerId, short epoch, int baseSequence, int lastSequence, long firstOffset,
                         long lastOffset, long timestamp) {
        if (producerId == RecordBatch.NO_PRODUCER_ID)
            return;
        producers.computeIfAbsent(producerId, ProducerEntry::new)
            .addBatch(epoch, new BatchMetadata(baseSequence, lastSequence, firstOffset, lastOffset, timestamp));
    }

    /** Records an appended transaction marker (control batch) of a producer: its epoch and time only. */
    public void onTransactionMarker(long producerId, short epoch, long timestamp) {
        if (producerId == RecordBatch.NO_PRODUCER_ID)
            return;
        producers.computeIfAbsent(producerId, ProducerEntry::new).addMarker(epoch, timestamp);
    }

    /**
     * The log's hook before it assigns offsets: refuses a batch whose sequence does not follow, and
     * answers a retry of a batch already in the log with its original offsets instead of appending
     * it again.
     */
    @Override
    public LogAppendInfo beforeAppend(ByteBuffer records, long logStartOffset) {
        AppendCheck check = checkRecords(records);
        if (check.isError())
            throw check.error().exception(check.message());
        if (check.isDuplicate())
            return new LogAppendInfo(check.firstOffset(), check.lastOffset(), -1L, -1L, -1L, logStartOffset, 0, 0);
        return null;
    }

    @Override
    public void afterAppend(ByteBuffer records, LogAppendInfo info) {
        onLeaderAppend(records, info);
    }

    /**
     * After {@code Log.appendAsLeader(records, ...)} returned {@code info}: records every batch of
     * {@code records} (position to limit, the same buffer the log was given) at the offsets the log
     * assigned, consecutively from {@code info.firstOffset()}, with the LogAppendTime if stamped.
     */
    public void onLeaderAppend(ByteBuffer records, LogAppendInfo info) {
        if (info.firstOffset() < 0)
            return;
        long offset = info.firstOffset();
        int limit = records.limit();
        for (int pos = records.position(); pos < limit; pos += BatchHeader.sizeInBytes(records, pos)) {
            long lastOffset = offset + BatchHeader.lastOffsetDelta(records, pos);
            long producerId = BatchHeader.producerId(records, pos);
            if (producerId != RecordBatch.NO_PRODUCER_ID) {
                long timestamp = info.logAppendTime() >= 0 ? info.logAppendTime() : BatchHeader.maxTimestamp(records, pos);
                short epoch = BatchHeader.producerEpoch(records, pos);
                if (BatchHeader.isControl(records, pos)) {
                    onTransactionMarker(producerId, epoch, timestamp);
                } else {
                    int baseSequence = BatchHeader.baseSequence(records, pos);
                    onAppend(producerId, epoch, baseSequence, lastSequence(records, pos), offset, lastOffset, timestamp);
                }
            }
            offset = lastOffset + 1;
        }
    }

    /** After {@code Log.appendAsFollower(records)}: the batches carry their offsets, as in the log. */
    public void onFollowerAppend(ByteBuffer records) {
        int limit = records.limit();
        for (int pos = records.position(); pos < limit; pos += BatchHeader.sizeInBytes(records, pos))
            onRecoveredBatch(records, pos);
    }

    /**
     * Records a batch read from the log (its header at {@code position} of {@code buf}, with its
     * final offsets and timestamps); usable as a {@code LogSegment.BatchVisitor}.
     */
    public void onRecoveredBatch(ByteBuffer buf, int position) {
        long producerId = BatchHeader.producerId(buf, position);
        if (producerId == RecordBatch.NO_PRODUCER_ID)
            return;
        short epoch = BatchHeader.producerEpoch(buf, position);
        long timestamp = BatchHeader.maxTimestamp(buf, position);
        if (BatchHeader.isControl(buf, position)) {
            onTransactionMarker(producerId, epoch, timestamp);
            return;
        }
        onAppend(producerId, epoch, BatchHeader.baseSequence(buf, position), lastSequence(buf, position),
            BatchHeader.baseOffset(buf, position), BatchHeader.lastOffset(buf, position), timestamp);
    }

    // ---------------------------------------------------------------- expiry, reset and reads

    /**
     * Forgets producers whose last batch is at least {@code producerIdExpirationMs} old (Kafka's
     * {@code producer.id.expiration.ms}, checked every {@code producer.id.expiration.check.interval.ms},
     * 10 minutes by default). Kafka spares producers with an open transaction; transactions are not
     * tracked here. Returns the number removed.
     */
    public int removeExpiredProducers(long nowMs, long producerIdExpirationMs) {
        int removed = 0;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next().lastTimestamp() >= producerIdExpirationMs) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Forgets every producer; rebuild from the log afterwards ({@link ProducerStateLoader#reload}). */
    public void clear() {
        producers.clear();
    }

    /** The state of {@code producerId}, or null if it is not tracked. */
    public ProducerEntry producer(long producerId) {
        return producers.get(producerId);
    }

    public int producerCount() {
        return producers.size();
    }

    public boolean isEmpty() {
        return producers.isEmpty();
    }

    /** Read-only view of every tracked producer by id. */
    public Map<Long, ProducerEntry> producers() {
        return Collections.unmodifiableMap(producers);
    }

    // ---------------------------------------------------------------- sequence arithmetic

    /** Kafka's {@code DefaultRecordBatch.incrementSequence}: sequences wrap from MAX_VALUE to 0. */
    public static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment)
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        return sequence + increment;
    }

    /** Kafka's {@code DefaultRecordBatch.decrementSequence}. */
    public static int decrementSequence(int sequence, int decrement) {
        if (sequence < decrement)
            return Integer.MAX_VALUE - (decrement - sequence) + 1;
        return sequence - decrement;
    }

    /** The batch's last sequence (Kafka's {@code RecordBatch.lastSequence}), -1 if it has no base sequence. */
    public static int lastSequence(ByteBuffer buf, int pos) {
        int baseSequence = BatchHeader.baseSequence(buf, pos);
        if (baseSequence == RecordBatch.NO_SEQUENCE)
            return RecordBatch.NO_SEQUENCE;
        return incrementSequence(baseSequence, BatchHeader.lastOffsetDelta(buf, pos));
    }

    @Override
    public String toString() {
        return "ProducerStateManager(" + topicPartition + ", " + producers.size() + " producers)";
    }
}
