package io.gregor.metrics;

/**
 * Consumer group positions for the lag gauges, named as kafka-exporter names them. Called on
 * every scrape, from a worker thread: report what the coordinator knows now, from thread-safe
 * state. Rows not reported again disappear from the page.
 */
@FunctionalInterface
public interface ConsumerLagSource {

    void collect(Sink sink);

    interface Sink {
        /**
         * Group {@code group} has committed {@code committedOffset} for the partition whose log
         * end (high watermark) is {@code endOffset}; the lag is their difference, never negative.
         */
        void partition(String group, String topic, int partition, long committedOffset, long endOffset);

        /** Group {@code group} has {@code members} members. */
        default void members(String group, int members) {
        }
    }
}
