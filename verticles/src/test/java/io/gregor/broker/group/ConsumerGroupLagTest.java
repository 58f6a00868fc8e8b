package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/**
 * kafka_consumergroup_lag and its companions on the coordinator's /metrics page, driven by a real
 * consumer group: the lag is what the group has left to read, reaches 0 once it has read
 * everything, and the group's series go when the group is deleted.
 */
class ConsumerGroupLagTest {
    private static final String TOPIC = "lagged";
    private static final String GROUP = "lagging";
    private static final int RECORDS = 20;
    private static final int FIRST_COMMIT = 7;
    /** Past the coordinator's refresh period, with room for a slow machine. */
    private static final Duration REFRESHED = Duration.ofMillis(ConsumerGroupLag.REFRESH_MS * 4);

    @Test
    void lagFollowsTheGroupsCommitsAndGoesWithTheGroup() throws Exception {
        try (TestBroker broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3"))) {
            GroupTestSupport.createTopic(broker.bootstrap(), TOPIC, 2);
            TopicPartition p0 = new TopicPartition(TOPIC, 0);
            TopicPartition p1 = new TopicPartition(TOPIC, 1);
            try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
                for (int i = 0; i < RECORDS; i++)
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, "r" + i));
                producer.send(new ProducerRecord<>(TOPIC, 1, null, "only")).get(30, TimeUnit.SECONDS);
                producer.flush();
            }
            String lag0 = series("kafka_consumergroup_lag", "0");
            String lag1 = series("kafka_consumergroup_lag", "1");
            String offset0 = series("kafka_consumergroup_current_offset", "0");
            String lagSum = "kafka_consumergroup_lag_sum{consumergroup=\"" + GROUP + "\",topic=\"" + TOPIC + "\"}";
            String members = "kafka_consumergroup_members{consumergroup=\"" + GROUP + "\"}";

            Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), GROUP);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(TOPIC));
                readUntil(consumer, p0, FIRST_COMMIT);
                consumer.commitSync(Map.of(p0, new OffsetAndMetadata(FIRST_COMMIT), p1, new OffsetAndMetadata(1)));

                String page = awaitPage(broker, p -> value(p, lag0) == RECORDS - FIRST_COMMIT);
                assertEquals(0.0, value(page, lag1), page);
                assertEquals(FIRST_COMMIT, value(page, offset0));
                assertEquals(RECORDS - FIRST_COMMIT, value(page, lagSum));
                assertEquals(1.0, value(page, members));

                readUntil(consumer, p0, RECORDS);
                consumer.commitSync(Map.of(p0, new OffsetAndMetadata(RECORDS)));
                page = awaitPage(broker, p -> value(p, lag0) == 0);
                assertEquals(0.0, value(page, lagSum));
                assertEquals(RECORDS, value(page, offset0));
            }

            try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
                admin.deleteConsumerGroups(List.of(GROUP)).all().get(30, TimeUnit.SECONDS);
            }
            awaitPage(broker, p -> !p.contains("consumergroup=\"" + GROUP + "\""));
        }
    }

    /** Polls, one record at a time, until {@code tp}'s position is {@code offset}. */
    private static void readUntil(KafkaConsumer<String, String> consumer, TopicPartition tp, long offset) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100));
            if (consumer.assignment().contains(tp) && consumer.position(tp) >= offset)
                return;
        }
        throw new AssertionError("position of " + tp + " never reached " + offset);
    }

    private static String series(String name, String partition) {
        return name + "{consumergroup=\"" + GROUP + "\",partition=\"" + partition + "\",topic=\"" + TOPIC + "\"}";
    }

    private interface PageCondition {
        boolean holds(String page);
    }

    /** Scrapes until the page satisfies {@code condition}, within the deadline; returns that page. */
    private static String awaitPage(TestBroker broker, PageCondition condition) throws InterruptedException {
        String[] last = {""};
        boolean met = GroupTestSupport.await(REFRESHED, () -> condition.holds(last[0] = scrape(broker)));
        assertTrue(met, () -> "never seen; the group's series were: " + last[0].lines()
            .filter(l -> l.startsWith("kafka_consumergroup")).toList());
        return last[0];
    }

    private static String scrape(TestBroker broker) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.broker().metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double value(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
