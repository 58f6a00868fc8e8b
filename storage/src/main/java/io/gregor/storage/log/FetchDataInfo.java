package io.gregor.storage.log;

/**
 * The result of a log read: the batches (possibly none) and the log's bounds when it was read.
 * The caller closes {@link #records()} once the bytes are sent.
 */
public record FetchDataInfo(long fetchOffset, LogSlice records, long logStartOffset, long logEndOffset) {
}
