package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;
import io.gregor.broker.group.GroupTestSupport.ToolResult;
import io.gregor.coordination.group.GroupCoordinator;

/**
 * Committed offsets with real consumers: manual (commitSync, commitAsync) and automatic commits
 * keep their metadata, survive a broker restart (the coordinator reloads __consumer_offsets), a
 * new member resumes exactly after them, auto.offset.reset behaves as in Kafka, and Kafka's
 * kafka-dump-log --offsets-decoder reads what the coordinator wrote.
 */
class CommittedOffsetsTest {
    private static final String DUMP_LOG = "kafka.tools.DumpLogSegments";
    private static final int OFFSETS_PARTITIONS = 3;
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", Integer.toString(OFFSETS_PARTITIONS)));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    /** {@code perPartition} records in each partition, valued "p-i". */
    private static void topic(String name, int partitions, int perPartition) throws Exception {
        GroupTestSupport.createTopic(broker.bootstrap(), name, partitions);
        try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++)
                    producer.send(new ProducerRecord<>(name, p, null, p + "-" + i));
            }
            producer.flush();
        }
    }

    /** Records returned by the polls that waited for the assignment, per consumer, so none is lost. */
    private static final Map<KafkaConsumer<String, String>, List<ConsumerRecord<String, String>>> EARLY = new HashMap<>();

    private static KafkaConsumer<String, String> subscribed(String topic, String group, Map<String, Object> extra,
                                                            int partitions) {
        Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), group);
        props.putAll(extra);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        List<ConsumerRecord<String, String>> early = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.assignment().size() < partitions && System.nanoTime() < deadline)
            consumer.poll(Duration.ofMillis(50)).forEach(early::add);
        assertEquals(partitions, consumer.assignment().size());
        EARLY.put(consumer, early);
        return consumer;
    }

    private static List<ConsumerRecord<String, String>> pollAtLeast(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> early = EARLY.remove(consumer);
        List<ConsumerRecord<String, String>> records = early == null ? new ArrayList<>() : early;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (records.size() < count && System.nanoTime() < deadline)
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        return records;
    }

    @Test
    void manualCommitsKeepMetadataSurviveARestartAndANewMemberResumesExactlyAfterThem() throws Exception {
        topic("resume", 3, 10);
        TopicPartition p0 = new TopicPartition("resume", 0);
        TopicPartition p1 = new TopicPartition("resume", 1);
        TopicPartition p2 = new TopicPartition("resume", 2);
        try (KafkaConsumer<String, String> consumer = subscribed("resume", "resume-group", Map.of(), 3)) {
            assertEquals(30, pollAtLeast(consumer, 30).size());
            consumer.commitSync(Map.of(p0, new OffsetAndMetadata(4, "sync-metadata")));
            CompletableFuture<Exception> async = new CompletableFuture<>();
            consumer.commitAsync(Map.of(p1, new OffsetAndMetadata(7, "async-metadata")), (offsets, e) -> async.complete(e));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!async.isDone() && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(50));
            assertNull(async.get(1, TimeUnit.SECONDS), "commitAsync succeeded");
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(p0, p1, p2));
            assertEquals(new OffsetAndMetadata(4, "sync-metadata").offset(), committed.get(p0).offset());
            assertEquals("async-metadata", committed.get(p1).metadata());
            assertNull(committed.get(p2));
        }

        broker.restart();

        try (KafkaConsumer<String, String> consumer = subscribed("resume", "resume-group", Map.of(), 3)) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(p0, p1, p2));
            assertEquals(4, committed.get(p0).offset());
            assertEquals("sync-metadata", committed.get(p0).metadata());
            assertEquals(7, committed.get(p1).offset());
            assertEquals("async-metadata", committed.get(p1).metadata());
            assertNull(committed.get(p2), "partition 2 was never committed: auto.offset.reset=earliest");
            List<ConsumerRecord<String, String>> rest = pollAtLeast(consumer, 6 + 3 + 10);
            Map<Integer, Long> first = new HashMap<>();
            for (ConsumerRecord<String, String> r : rest)
                first.merge(r.partition(), r.offset(), Math::min);
            assertEquals(19, rest.size(), "first offsets " + first + " positions " + consumer.position(p0) + " "
                + consumer.position(p1) + " " + consumer.position(p2));
            assertEquals(Map.of(0, 4L, 1, 7L, 2, 0L), first, "resumed exactly after the commits");
            assertTrue(consumer.poll(Duration.ofMillis(200)).isEmpty(), "nothing consumed twice");
        }
    }

    @Test
    void autoCommitCommitsWhatWasConsumed() throws Exception {
        topic("auto", 2, 5);
        try (KafkaConsumer<String, String> consumer = subscribed("auto", "auto-group",
            Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true", ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "100"), 2)) {
            assertEquals(10, pollAtLeast(consumer, 10).size());
            TopicPartition p0 = new TopicPartition("auto", 0);
            TopicPartition p1 = new TopicPartition("auto", 1);
            boolean committed = GroupTestSupport.await(Duration.ofSeconds(30), () -> {
                consumer.poll(Duration.ofMillis(50));
                Map<TopicPartition, OffsetAndMetadata> c = consumer.committed(Set.of(p0, p1));
                return c.get(p0) != null && c.get(p0).offset() == 5 && c.get(p1) != null && c.get(p1).offset() == 5;
            });
            assertTrue(committed, "auto-commit committed the consumed positions");
        }
    }

    @Test
    void autoOffsetResetEarliestLatestAndNone() throws Exception {
        topic("reset", 1, 5);
        TopicPartition tp = new TopicPartition("reset", 0);
        try (KafkaConsumer<String, String> earliest = subscribed("reset", "reset-earliest", Map.of(), 1)) {
            List<ConsumerRecord<String, String>> records = pollAtLeast(earliest, 5);
            assertEquals(5, records.size());
            assertEquals(0, records.get(0).offset());
        }
        try (KafkaConsumer<String, String> latest = subscribed("reset", "reset-latest",
            Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"), 1)) {
            assertEquals(5, latest.position(tp), "latest starts at the end");
            try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
                producer.send(new ProducerRecord<>("reset", 0, null, "new")).get();
            }
            List<ConsumerRecord<String, String>> records = pollAtLeast(latest, 1);
            assertEquals(1, records.size());
            assertEquals("new", records.get(0).value());
        }
        Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), "reset-none");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        try (KafkaConsumer<String, String> none = new KafkaConsumer<>(props)) {
            none.subscribe(List.of("reset"));
            NoOffsetForPartitionException e = assertThrows(NoOffsetForPartitionException.class, () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline)
                    none.poll(Duration.ofMillis(100));
            });
            assertTrue(e.partitions().contains(tp), e.toString());
        }
        // With a committed offset, "none" resumes from it.
        try (KafkaConsumer<String, String> committer = new KafkaConsumer<>(GroupTestSupport.consumerProps(broker.bootstrap(),
            "reset-none"))) {
            committer.assign(List.of(tp));
            committer.commitSync(Map.of(tp, new OffsetAndMetadata(3)));
        }
        try (KafkaConsumer<String, String> none = new KafkaConsumer<>(props)) {
            none.subscribe(List.of("reset"));
            List<ConsumerRecord<String, String>> records = pollAtLeast(none, 3);
            assertEquals(3, records.get(0).offset());
            assertEquals(3, records.size());
        }
    }

    @Test
    void dumpLogWithTheOffsetsDecoderReadsWhatTheCoordinatorWrote() throws Exception {
        topic("dumped", 1, 3);
        String group = "dump-group";
        try (KafkaConsumer<String, String> consumer = subscribed("dumped", group, Map.of(), 1)) {
            pollAtLeast(consumer, 3);
            consumer.commitSync(Map.of(new TopicPartition("dumped", 0), new OffsetAndMetadata(2, "dumped-metadata")));
        }
        int partition = GroupCoordinator.partitionFor(group, OFFSETS_PARTITIONS);
        Path segment = broker.logDir().resolve("__consumer_offsets-" + partition).resolve("00000000000000000000.log");
        broker.broker().close();
        try {
            ToolResult dump = GroupTestSupport.runTool(Duration.ofSeconds(60), null, DUMP_LOG, "--files", segment.toString(),
                "--offsets-decoder");
            assertEquals(0, dump.exitCode(), dump.toString());
            String out = dump.stdout();
            assertTrue(out.contains("key: {\"type\":\"1\",\"data\":{\"group\":\"dump-group\",\"topic\":\"dumped\",\"partition\":0}}"
                + " payload: {\"version\":\"3\",\"data\":{\"offset\":2,\"leaderEpoch\":-1,\"metadata\":\"dumped-metadata\","
                + "\"commitTimestamp\":"), dump.toString());
            assertTrue(Pattern.compile("key: \\{\"type\":\"2\",\"data\":\\{\"group\":\"dump-group\"}} payload: "
                + "\\{\"version\":\"3\",\"data\":\\{\"protocolType\":\"consumer\",\"generation\":1,\"protocol\":\"range\","
                + "\"leader\":\"consumer-dump-group-\\d+-[0-9a-f-]+\",\"currentStateTimestamp\":\\d+,\"members\":\\[\\{")
                .matcher(out).find(), dump.toString());
            assertTrue(Pattern.compile("key: \\{\"type\":\"2\",\"data\":\\{\"group\":\"dump-group\"}} payload: "
                + "\\{\"version\":\"3\",\"data\":\\{\"protocolType\":\"consumer\",\"generation\":2,\"protocol\":null,"
                + "\"leader\":null,\"currentStateTimestamp\":\\d+,\"members\":\\[]}}").matcher(out).find(),
                "the group went empty when the consumer left: " + dump);
        } finally {
            broker.restart();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(GroupTestSupport.consumerProps(broker.bootstrap(), group))) {
            OffsetAndMetadata committed = consumer.committed(Set.of(new TopicPartition("dumped", 0))).get(new TopicPartition("dumped", 0));
            assertNotNull(committed);
            assertEquals("dumped-metadata", committed.metadata());
        }
    }
}
