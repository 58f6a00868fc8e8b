package io.gregor.storage.producer;

/**
 * What the producer state remembers of one appended idempotent batch: enough to recognise a retry
 * of it (same epoch and sequence range) and answer with the offsets it was first given.
 *
 * @param firstSeq    the batch's base sequence
 * @param lastSeq     base sequence plus last offset delta, wrapping past {@link Integer#MAX_VALUE} to 0
 * @param firstOffset offset of the batch's first record in the log
 * @param lastOffset  offset of the batch's last record in the log
 * @param timestamp   the batch's max timestamp as stored (LogAppendTime when the topic stamps it)
 */
public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
}
