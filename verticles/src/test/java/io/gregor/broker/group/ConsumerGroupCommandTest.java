package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;
import io.gregor.broker.group.GroupTestSupport.ToolResult;

/**
 * Apache Kafka 3.9's kafka-consumer-groups (ConsumerGroupCommand, in a child JVM) and
 * kafka-console-consumer against a Gregor broker, checked on what they print and what they change.
 */
class ConsumerGroupCommandTest {
    private static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    private static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    /** Records of partition p get timestamps BASE + i seconds, so --to-datetime has something to find. */
    private static final Instant BASE = Instant.parse("2020-01-01T00:00:00Z");
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    private static ToolResult groups(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return GroupTestSupport.runTool(Duration.ofSeconds(60), null, CONSUMER_GROUPS, all.toArray(String[]::new));
    }

    /** A topic with two partitions of five records each; record i of a partition has timestamp BASE + i s. */
    private static void topicWithRecords(String topic) throws Exception {
        GroupTestSupport.createTopic(broker.bootstrap(), topic, 2);
        try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
            for (int i = 0; i < 5; i++) {
                for (int p = 0; p < 2; p++)
                    producer.send(new ProducerRecord<>(topic, p, BASE.plusSeconds(i).toEpochMilli(), null, "v" + p + i)).get();
            }
        }
    }

    private static KafkaConsumer<String, String> activeConsumer(String topic, String group) {
        Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "cli-client");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.assignment().size() < 2 && System.nanoTime() < deadline)
            consumer.poll(Duration.ofMillis(100));
        assertEquals(2, consumer.assignment().size());
        return consumer;
    }

    private static Map<Integer, Long> committed(String group) throws Exception {
        try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<Integer, Long> result = new TreeMap<>();
            offsets.forEach((tp, o) -> result.put(tp.partition(), o.offset()));
            return result;
        }
    }

    /** Rows of --reset-offsets output (Kafka 3.9 prints them without line breaks): partition to new offset. */
    private static Map<Integer, Long> resetRows(ToolResult result, String group, String topic) {
        Map<Integer, Long> rows = new TreeMap<>();
        Matcher m = Pattern.compile(Pattern.quote(group) + "\\s+" + Pattern.quote(topic) + "\\s+(\\d+)\\s+(\\d+)")
            .matcher(result.stdout());
        while (m.find())
            rows.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        return rows;
    }

    private static void assertOk(ToolResult result) {
        assertEquals(0, result.exitCode(), result.toString());
        assertFalse(result.stdout().contains("Error:"), result.toString());
    }

    @Test
    void listDescribeMembersAndStateOfAnActiveGroup() throws Exception {
        topicWithRecords("cli-describe");
        try (KafkaConsumer<String, String> consumer = activeConsumer("cli-describe", "cli-describe-group")) {
            consumer.commitSync(Map.of(new TopicPartition("cli-describe", 0), new OffsetAndMetadata(3, "meta-0"),
                new TopicPartition("cli-describe", 1), new OffsetAndMetadata(1)));
            String memberId = consumer.groupMetadata().memberId();

            ToolResult list = groups("--list");
            assertOk(list);
            assertTrue(list.lines().contains("cli-describe-group"), list.toString());
            ToolResult listState = groups("--list", "--state", "Stable");
            assertTrue(listState.stdout().matches("(?s).*cli-describe-group\\s+Stable.*"), listState.toString());
            ToolResult listEmpty = groups("--list", "--state", "Empty");
            assertFalse(listEmpty.stdout().contains("cli-describe-group"), listEmpty.toString());

            ToolResult describe = groups("--describe", "--group", "cli-describe-group");
            assertOk(describe);
            assertTrue(describe.stdout().matches("(?s).*GROUP\\s+TOPIC\\s+PARTITION\\s+CURRENT-OFFSET\\s+LOG-END-OFFSET\\s+LAG"
                + "\\s+CONSUMER-ID\\s+HOST\\s+CLIENT-ID.*"), describe.toString());
            assertTrue(Pattern.compile("cli-describe-group\\s+cli-describe\\s+0\\s+3\\s+5\\s+2\\s+" + Pattern.quote(memberId)
                + "\\s+/127\\.0\\.0\\.1\\s+cli-client").matcher(describe.stdout()).find(), describe.toString());
            assertTrue(Pattern.compile("cli-describe-group\\s+cli-describe\\s+1\\s+1\\s+5\\s+4\\s+" + Pattern.quote(memberId))
                .matcher(describe.stdout()).find(), describe.toString());

            ToolResult members = groups("--describe", "--group", "cli-describe-group", "--members", "--verbose");
            assertOk(members);
            assertTrue(Pattern.compile("cli-describe-group\\s+" + Pattern.quote(memberId)
                + "\\s+/127\\.0\\.0\\.1\\s+cli-client\\s+2\\s+(cli-describe)?\\(0,1\\)").matcher(members.stdout()).find(),
                members.toString());

            ToolResult state = groups("--describe", "--group", "cli-describe-group", "--state");
            assertOk(state);
            assertTrue(Pattern.compile("cli-describe-group\\s+127\\.0\\.0\\.1:\\d+\\s+\\(0\\)\\s+range\\s+Stable\\s+1")
                .matcher(state.stdout()).find(), state.toString());

            ToolResult reset = groups("--reset-offsets", "--group", "cli-describe-group", "--topic", "cli-describe",
                "--to-earliest", "--execute");
            assertTrue(reset.stdout().contains("Error: Assignments can only be reset if the group 'cli-describe-group' is "
                + "inactive, but the current state is Stable."), reset.toString());
            assertEquals(Map.of(0, 3L, 1, 1L), committed("cli-describe-group"));

            ToolResult deleteActive = groups("--delete", "--group", "cli-describe-group");
            assertTrue(deleteActive.stdout().contains("GroupNotEmptyException: The group is not empty."), deleteActive.toString());
            ToolResult deleteSubscribed = groups("--delete-offsets", "--group", "cli-describe-group", "--topic", "cli-describe");
            assertTrue(deleteSubscribed.stdout().contains("Error: Encounter some partition level error"), deleteSubscribed.toString());
            assertTrue(deleteSubscribed.stdout().contains("actively subscribed"), deleteSubscribed.toString());
        }
        ToolResult inactive = groups("--describe", "--group", "cli-describe-group");
        assertTrue(inactive.stderr().contains("Consumer group 'cli-describe-group' has no active members."), inactive.toString());
        assertTrue(Pattern.compile("cli-describe-group\\s+cli-describe\\s+0\\s+3\\s+5\\s+2\\s+-\\s+-\\s+-")
            .matcher(inactive.stdout()).find(), inactive.toString());
        ToolResult emptyState = groups("--describe", "--group", "cli-describe-group", "--state");
        assertTrue(Pattern.compile("cli-describe-group\\s+127\\.0\\.0\\.1:\\d+\\s+\\(0\\)\\s+Empty\\s+0")
            .matcher(emptyState.stdout()).find(), emptyState.toString());
        ToolResult unknown = groups("--describe", "--group", "no-such-group");
        assertTrue(unknown.stdout().contains("Error: Consumer group 'no-such-group' does not exist."), unknown.toString());
    }

    @Test
    void resetOffsetsDeleteOffsetsAndDeleteTheGroup() throws Exception {
        topicWithRecords("cli-reset");
        String group = "cli-reset-group";
        try (KafkaConsumer<String, String> consumer = activeConsumer("cli-reset", group)) {
            consumer.commitSync(Map.of(new TopicPartition("cli-reset", 0), new OffsetAndMetadata(3),
                new TopicPartition("cli-reset", 1), new OffsetAndMetadata(3)));
        }
        assertEquals(Map.of(0, 3L, 1, 3L), committed(group));

        ToolResult dryRun = groups("--reset-offsets", "--group", group, "--topic", "cli-reset", "--to-earliest", "--dry-run");
        assertOk(dryRun);
        assertEquals(Map.of(0, 0L, 1, 0L), resetRows(dryRun, group, "cli-reset"));
        assertEquals(Map.of(0, 3L, 1, 3L), committed(group), "--dry-run changes nothing");

        ToolResult earliest = groups("--reset-offsets", "--group", group, "--topic", "cli-reset", "--to-earliest", "--execute");
        assertEquals(Map.of(0, 0L, 1, 0L), resetRows(earliest, group, "cli-reset"));
        assertEquals(Map.of(0, 0L, 1, 0L), committed(group));

        ToolResult latestOne = groups("--reset-offsets", "--group", group, "--topic", "cli-reset:1", "--to-latest", "--execute");
        assertEquals(Map.of(1, 5L), resetRows(latestOne, group, "cli-reset"));
        assertEquals(Map.of(0, 0L, 1, 5L), committed(group));

        ToolResult shift = groups("--reset-offsets", "--group", group, "--topic", "cli-reset", "--shift-by", "-2", "--execute");
        assertEquals(Map.of(0, 0L, 1, 3L), resetRows(shift, group, "cli-reset"), "shifting below the start clamps to it");
        assertEquals(Map.of(0, 0L, 1, 3L), committed(group));

        ToolResult toOffset = groups("--reset-offsets", "--group", group, "--topic", "cli-reset", "--to-offset", "2", "--execute");
        assertEquals(Map.of(0, 2L, 1, 2L), committed(group), toOffset.toString());

        ToolResult datetime = groups("--reset-offsets", "--group", group, "--topic", "cli-reset:0", "--to-datetime",
            "2020-01-01T00:00:03.000", "--execute");
        assertEquals(Map.of(0, 3L), resetRows(datetime, group, "cli-reset"), datetime.toString());
        assertEquals(Map.of(0, 3L, 1, 2L), committed(group));

        ToolResult deleteOffsets = groups("--delete-offsets", "--group", group, "--topic", "cli-reset:1");
        assertOk(deleteOffsets);
        assertTrue(deleteOffsets.stdout().contains("Request succeed for deleting offsets with topic cli-reset:1 group " + group),
            deleteOffsets.toString());
        assertTrue(Pattern.compile("cli-reset\\s+1\\s+Successful").matcher(deleteOffsets.stdout()).find(), deleteOffsets.toString());
        assertEquals(Map.of(0, 3L), committed(group));

        ToolResult describe = groups("--describe", "--group", group);
        assertTrue(Pattern.compile(group + "\\s+cli-reset\\s+0\\s+3\\s+5\\s+2\\s+-").matcher(describe.stdout()).find(),
            describe.toString());
        assertFalse(Pattern.compile(group + "\\s+cli-reset\\s+1\\s").matcher(describe.stdout()).find(), describe.toString());

        ToolResult delete = groups("--delete", "--group", group);
        assertOk(delete);
        assertTrue(delete.stdout().contains("Deletion of requested consumer groups ('" + group + "') was successful."),
            delete.toString());
        assertFalse(groups("--list").lines().contains(group));
        ToolResult again = groups("--delete", "--group", group);
        assertTrue(again.stdout().contains("GroupIdNotFoundException: The group id does not exist."), again.toString());
        assertTrue(committed(group).isEmpty());
    }

    @Test
    void consoleConsumerWithAGroupResumesWhereItStopped() throws Exception {
        GroupTestSupport.createTopic(broker.bootstrap(), "cli-console", 1);
        try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
            for (int i = 0; i < 6; i++)
                producer.send(new ProducerRecord<>("cli-console", "line-" + i)).get();
        }
        String[] args = {"--bootstrap-server", broker.bootstrap(), "--topic", "cli-console", "--group", "console-group",
            "--from-beginning", "--max-messages", "4", "--timeout-ms", "30000"};
        ToolResult first = GroupTestSupport.runTool(Duration.ofSeconds(60), null, CONSOLE_CONSUMER, args);
        assertEquals(List.of("line-0", "line-1", "line-2", "line-3"), first.lines(), first.toString());
        args[args.length - 3] = "2";
        ToolResult second = GroupTestSupport.runTool(Duration.ofSeconds(60), null, CONSOLE_CONSUMER, args);
        assertEquals(List.of("line-4", "line-5"), second.lines(), "--from-beginning only applies without a committed offset: "
            + second);
        assertEquals(Map.of(0, 6L), committed("console-group"));
        assertEquals(Set.of(), Set.copyOf(groups("--list", "--state", "Stable").lines().stream()
            .filter(l -> l.startsWith("console-group")).toList()));
    }
}
