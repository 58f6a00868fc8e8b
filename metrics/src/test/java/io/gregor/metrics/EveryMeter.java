package io.gregor.metrics;

/** Touches every kind of broker meter once, so a scrape shows every family the broker can export. */
final class EveryMeter {
    private EveryMeter() {
    }

    static void touch(BrokerMetrics metrics) {
        TopicMetrics topic = metrics.topic("t");
        topic.appended(1, 1);
        topic.bytesOut(1);
        topic.replicationBytesIn(1);
        RequestMetrics request = metrics.request("Produce");
        request.received();
        request.completed(1000);
        request.error("UNKNOWN_SERVER_ERROR");
        for (BrokerGauge gauge : BrokerGauge.values())
            metrics.gauge(gauge, () -> 0);
        metrics.registerLog("t", 0, new PartitionLogView() {
            public long size() { return 0; }
            public long logStartOffset() { return 0; }
            public long logEndOffset() { return 0; }
            public int numberOfSegments() { return 1; }
        });
        metrics.consumerLagSource(sink -> {
            sink.partition("g", "t", 0, 0, 1);
            sink.members("g", 1);
        });
    }
}
