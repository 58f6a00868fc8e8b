package io.gregor.metrics;

/**
 * What the {@code kafka.log:type=Log} gauges of one partition read, at scrape time and from a
 * worker thread: implementations must only read thread-safe state (volatile offsets, concurrent
 * segment maps).
 */
public interface PartitionLogView {
    /** Bytes in all segments. */
    long size();

    long logStartOffset();

    long logEndOffset();

    int numberOfSegments();
}
