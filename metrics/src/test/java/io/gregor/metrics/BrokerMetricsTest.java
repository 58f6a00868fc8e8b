package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Tags;

class BrokerMetricsTest {
    private final BrokerMetrics metrics = BrokerMetrics.create();

    @AfterEach
    void close() {
        metrics.close();
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(metrics.scrape());
    }

    @Test
    void topicMetersCountPerTopicAndForAllTopics() {
        TopicMetrics orders = metrics.topic("orders");
        assertSame(orders, metrics.topic("orders"));
        orders.produceRequest();
        orders.appended(3, 300);
        orders.produceRequest();
        orders.appended(2, 200);
        orders.produceRequest();
        orders.failedProduce();
        orders.fetchRequest();
        orders.bytesOut(450);
        orders.bytesRejected(2_000_000);
        TopicMetrics payments = metrics.topic("payments");
        payments.produceRequest();
        payments.appended(10, 1000);
        payments.fetchRequest();
        payments.failedFetch();
        payments.replicationBytesIn(77);
        payments.replicationBytesOut(88);

        PrometheusText page = scrape();
        String p = "kafka_server_brokertopicmetrics_";
        assertEquals(5.0, page.value(p + "messagesin_total", "topic", "orders"));
        assertEquals(500.0, page.value(p + "bytesin_total", "topic", "orders"));
        assertEquals(450.0, page.value(p + "bytesout_total", "topic", "orders"));
        assertEquals(2_000_000.0, page.value(p + "bytesrejected_total", "topic", "orders"));
        assertEquals(3.0, page.value(p + "totalproducerequests_total", "topic", "orders"));
        assertEquals(1.0, page.value(p + "failedproducerequests_total", "topic", "orders"));
        assertEquals(1.0, page.value(p + "totalfetchrequests_total", "topic", "orders"));
        assertEquals(0.0, page.value(p + "failedfetchrequests_total", "topic", "orders"));
        assertEquals(1.0, page.value(p + "failedfetchrequests_total", "topic", "payments"));
        // The aggregate, which Kafka's JMX exporter setups expose without a topic label.
        assertEquals(15.0, page.value(p + "messagesin_total", "topic", ""));
        assertEquals(1500.0, page.value(p + "bytesin_total", "topic", ""));
        assertEquals(4.0, page.value(p + "totalproducerequests_total", "topic", ""));
        assertEquals(2.0, page.value(p + "totalfetchrequests_total", "topic", ""));
        assertEquals(1.0, page.value(p + "failedproducerequests_total", "topic", ""));
        // Replication traffic is per broker only, as in Kafka.
        assertEquals(77.0, page.value(p + "replicationbytesin_total", "topic", ""));
        assertEquals(88.0, page.value(p + "replicationbytesout_total", "topic", ""));
        assertNull(page.value(p + "replicationbytesin_total", "topic", "payments"));
        assertEquals("counter", page.families.get(p + "messagesin_total").type);

        metrics.removeTopic("orders");
        PrometheusText after = scrape();
        assertNull(after.value(p + "messagesin_total", "topic", "orders"));
        assertEquals(15.0, after.value(p + "messagesin_total", "topic", ""));
        assertEquals(10.0, after.value(p + "messagesin_total", "topic", "payments"));
    }

    @Test
    void requestMetersCountAndTime() {
        RequestMetrics produce = metrics.request("Produce");
        assertSame(produce, metrics.request("Produce"));
        for (int i = 1; i <= 100; i++) {
            produce.received();
            produce.completed(TimeUnit.MILLISECONDS.toNanos(i));
        }
        produce.error("NOT_LEADER_OR_FOLLOWER");
        produce.error("NOT_LEADER_OR_FOLLOWER");
        metrics.request(RequestMetrics.FETCH_CONSUMER).received();

        PrometheusText page = scrape();
        String p = "kafka_network_requestmetrics_";
        assertEquals(100.0, page.value(p + "requests_total", "request", "Produce"));
        assertEquals(1.0, page.value(p + "requests_total", "request", "FetchConsumer"));
        assertEquals(2.0, page.value(p + "errors_total", "request", "Produce", "error", "NOT_LEADER_OR_FOLLOWER"));
        // Kafka-style quantiles in milliseconds (HdrHistogram at 2 significant digits).
        assertEquals("summary", page.families.get(p + "totaltimems").type);
        for (double q : RequestMetrics.QUANTILES)
            assertNotNull(page.value(p + "totaltimems", "request", "Produce", "quantile", Double.toString(q)), "quantile " + q);
        double p50 = page.value(p + "totaltimems", "request", "Produce", "quantile", "0.5");
        double p99 = page.value(p + "totaltimems", "request", "Produce", "quantile", "0.99");
        assertTrue(p50 > 45 && p50 < 55, "p50 " + p50);
        assertTrue(p99 > 95 && p99 < 105, "p99 " + p99);
        assertEquals(100.0, page.value(p + "totaltimems_count", "request", "Produce"));
        assertEquals(5050.0, page.value(p + "totaltimems_sum", "request", "Produce"), 1e-6);
        // The Prometheus histogram, for histogram_quantile().
        assertEquals("histogram", page.families.get(p + "totaltime_seconds").type);
        assertEquals(10.0, page.value(p + "totaltime_seconds_bucket", "request", "Produce", "le", "0.01"));
        assertEquals(100.0, page.value(p + "totaltime_seconds_bucket", "request", "Produce", "le", "0.1"));
        assertEquals(100.0, page.value(p + "totaltime_seconds_bucket", "request", "Produce", "le", "+Inf"));
        assertEquals(RequestMetrics.BUCKETS.length + 1,
            page.samples(p + "totaltime_seconds_bucket").stream().filter(s -> s.labels().get("request").equals("Produce")).count());
    }

    @Test
    void gaugesAreReadAtScrapeTime() {
        AtomicLong partitions = new AtomicLong(3);
        for (BrokerGauge gauge : BrokerGauge.values())
            metrics.gauge(gauge, () -> gauge.ordinal());
        Registration count = metrics.gauge(BrokerGauge.PARTITION_COUNT, partitions::get);
        metrics.isrShrinks().increment();
        metrics.isrExpands().increment(2);
        metrics.uncleanLeaderElections().increment();

        PrometheusText page = scrape();
        assertEquals(3.0, page.value("kafka_server_replicamanager_partitioncount"));
        for (BrokerGauge gauge : BrokerGauge.values()) {
            if (gauge != BrokerGauge.PARTITION_COUNT)
                assertEquals((double) gauge.ordinal(), page.value(gauge.meterName().replace('.', '_')), gauge.name());
            assertEquals("gauge", page.families.get(gauge.meterName().replace('.', '_')).type);
        }
        assertEquals(1.0, page.value("kafka_server_replicamanager_isrshrinks_total"));
        assertEquals(2.0, page.value("kafka_server_replicamanager_isrexpands_total"));
        assertEquals(1.0, page.value("kafka_controller_controllerstats_uncleanleaderelections_total"));

        partitions.set(7);
        assertEquals(7.0, scrape().value("kafka_server_replicamanager_partitioncount"));
        count.close();
        assertNull(scrape().value("kafka_server_replicamanager_partitioncount"));

        Registration custom = metrics.registerGauge("gregor.test.gauge", Tags.of("shard", "1"), () -> 1);
        metrics.registerGauge("gregor.test.gauge", Tags.of("shard", "1"), () -> 2);
        assertEquals(2.0, scrape().value("gregor_test_gauge", "shard", "1"), "a second registration replaces the first");
        custom.close();
    }

    @Test
    void logGaugesFollowThePartition() {
        long[] state = {1024, 5, 42, 2};
        Registration registration = metrics.registerLog("orders", 3, new PartitionLogView() {
            public long size() { return state[0]; }
            public long logStartOffset() { return state[1]; }
            public long logEndOffset() { return state[2]; }
            public int numberOfSegments() { return (int) state[3]; }
        });
        PrometheusText page = scrape();
        assertEquals(1024.0, page.value("kafka_log_log_size", "topic", "orders", "partition", "3"));
        assertEquals(5.0, page.value("kafka_log_log_logstartoffset", "topic", "orders", "partition", "3"));
        assertEquals(42.0, page.value("kafka_log_log_logendoffset", "topic", "orders", "partition", "3"));
        assertEquals(2.0, page.value("kafka_log_log_numlogsegments", "topic", "orders", "partition", "3"));
        state[2] = 50;
        assertEquals(50.0, scrape().value("kafka_log_log_logendoffset", "topic", "orders", "partition", "3"));
        registration.close();
        registration.close();
        assertNull(scrape().value("kafka_log_log_size", "topic", "orders", "partition", "3"));
    }

    @Test
    void consumerLagRowsComeAndGo() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[]{"billing", "orders", 0, 90L, 100L});
        rows.add(new Object[]{"billing", "orders", 1, 50L, 55L});
        rows.add(new Object[]{"audit", "orders", 0, 100L, 100L});
        rows.add(new Object[]{"audit", "orders", 1, 60L, 55L}); // committed past a truncated end: lag 0
        metrics.consumerLagSource(sink -> {
            for (Object[] r : rows)
                sink.partition((String) r[0], (String) r[1], (Integer) r[2], (Long) r[3], (Long) r[4]);
            sink.members("billing", 2);
            sink.members("audit", 1);
        });
        PrometheusText page = scrape();
        assertEquals(10.0, page.value("kafka_consumergroup_lag", "consumergroup", "billing", "topic", "orders", "partition", "0"));
        assertEquals(5.0, page.value("kafka_consumergroup_lag", "consumergroup", "billing", "topic", "orders", "partition", "1"));
        assertEquals(0.0, page.value("kafka_consumergroup_lag", "consumergroup", "audit", "topic", "orders", "partition", "1"));
        assertEquals(15.0, page.value("kafka_consumergroup_lag_sum", "consumergroup", "billing", "topic", "orders"));
        assertEquals(90.0, page.value("kafka_consumergroup_current_offset", "consumergroup", "billing", "topic", "orders", "partition", "0"));
        assertEquals(2.0, page.value("kafka_consumergroup_members", "consumergroup", "billing"));

        rows.removeIf(r -> r[0].equals("audit"));
        rows.set(0, new Object[]{"billing", "orders", 0, 100L, 130L});
        page = scrape();
        assertEquals(30.0, page.value("kafka_consumergroup_lag", "consumergroup", "billing", "topic", "orders", "partition", "0"));
        assertEquals(35.0, page.value("kafka_consumergroup_lag_sum", "consumergroup", "billing", "topic", "orders"));
        assertNull(page.value("kafka_consumergroup_lag", "consumergroup", "audit", "topic", "orders", "partition", "0"));
        assertNull(page.value("kafka_consumergroup_lag_sum", "consumergroup", "audit", "topic", "orders"));
        assertEquals(1.0, page.value("kafka_consumergroup_members", "consumergroup", "audit"), "still reported");

        metrics.consumerLagSource(sink -> {
            throw new IllegalStateException("coordinator moving");
        });
        assertEquals(30.0, scrape().value("kafka_consumergroup_lag", "consumergroup", "billing", "topic", "orders", "partition", "0"),
            "a failing source keeps the last rows");
        metrics.consumerLagSource(null);
        assertTrue(scrape().samples("kafka_consumergroup_lag").isEmpty());
    }

    @Test
    void jvmAndProcessMetersAreBound() {
        Set<String> names = scrape().sampleNames();
        for (String name : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
            "jvm_classes_loaded_classes", "jvm_info", "process_cpu_usage", "system_cpu_count", "process_uptime_seconds",
            "process_files_open_files", "jvm_gc_overhead"))
            assertTrue(names.contains(name) || names.stream().anyMatch(n -> n.startsWith(name)), name + " in " + names);
        BrokerMetrics bare = new BrokerMetrics(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT), false);
        assertFalse(bare.scrape().contains("jvm_memory_used_bytes"));
        bare.close();
    }

    /**
     * Every kafka_* family the broker can export is listed in metrics/README.md, and every
     * kafka_* name listed there is exported: the documentation cannot drift from the code.
     */
    @Test
    void readmeListsExactlyTheExportedKafkaMeters() throws IOException {
        EveryMeter.touch(metrics);
        Set<String> exported = new TreeSet<>();
        for (PrometheusText.Family family : scrape().families.values())
            if (family.name.startsWith("kafka_"))
                exported.add(family.name);

        String readme = Files.readString(Path.of("README.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`(kafka_[a-z_]+)").matcher(readme);
        while (m.find())
            documented.add(m.group(1));
        assertEquals(exported, documented);
    }
}
