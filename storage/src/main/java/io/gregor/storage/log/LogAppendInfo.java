package io.gregor.storage.log;

/**
 * What an append did: the offsets it took, the timestamps it carried, and its size.
 *
 * @param logAppendTime the broker time stamped on the batches, or -1 when they keep CreateTime
 * @param maxTimestamp  the largest batch timestamp of the append (after stamping)
 * @param offsetOfMaxTimestamp last offset of the batch holding {@code maxTimestamp}
 */
public record LogAppendInfo(
    long firstOffset,
    long lastOffset,
    long maxTimestamp,
    long offsetOfMaxTimestamp,
    long logAppendTime,
    long logStartOffset,
    int numMessages,
    int validBytes) {

    /** Nothing appended: an empty record set is not an error in Kafka. */
    static LogAppendInfo empty(long logStartOffset) {
        return new LogAppendInfo(-1L, -1L, -1L, -1L, -1L, logStartOffset, 0, 0);
    }
}
