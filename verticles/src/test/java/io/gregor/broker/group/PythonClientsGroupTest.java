package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.gregor.broker.TestBroker;
import io.gregor.broker.group.GroupTestSupport.ToolResult;

/**
 * A second client family: kafka-python and confluent-kafka (librdkafka) consumer groups read and
 * commit, and a second run of the group resumes after the commits. Needs Debian's
 * python3-kafka / python3-confluent-kafka; skipped where they are not installed.
 */
class PythonClientsGroupTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = String.join("\n",
        "import json, sys, time",
        "family, bootstrap, topic, group, count = sys.argv[1:6]",
        "count = int(count)",
        "values = []",
        "if family == 'kafka-python':",
        "    from kafka import KafkaConsumer",
        "    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',",
        "                             enable_auto_commit=False, consumer_timeout_ms=30000)",
        "    for message in consumer:",
        "        values.append(message.value.decode())",
        "        if len(values) >= count:",
        "            break",
        "    consumer.commit()",
        "    consumer.close()",
        "else:",
        "    from confluent_kafka import Consumer",
        "    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',",
        "                         'enable.auto.commit': False})",
        "    consumer.subscribe([topic])",
        "    deadline = time.time() + 30",
        "    while len(values) < count and time.time() < deadline:",
        "        message = consumer.poll(0.2)",
        "        if message is None or message.error():",
        "            continue",
        "        values.append(message.value().decode())",
        "        consumer.commit(message=message, asynchronous=False)",
        "    consumer.close()",
        "print(json.dumps(values))",
        "");
    private static TestBroker broker;
    private static Path script;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3"));
        script = Files.createTempFile("group-consumer", ".py");
        Files.writeString(script, SCRIPT);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
        if (script != null)
            Files.deleteIfExists(script);
    }

    private static boolean hasModule(String module) throws Exception {
        if (!Files.isExecutable(Path.of(PYTHON)))
            return false;
        ToolResult probe = exec(List.of(PYTHON, "-c", "import " + module));
        return probe.exitCode() == 0;
    }

    private static ToolResult exec(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        boolean done = process.waitFor(90, TimeUnit.SECONDS);
        if (!done)
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String out = new String(process.getInputStream().readAllBytes());
        String err = new String(process.getErrorStream().readAllBytes());
        return new ToolResult(done ? process.exitValue() : -1, out, err);
    }

    private static List<String> consume(String family, String topic, String group, int count) throws Exception {
        ToolResult result = exec(List.of(PYTHON, script.toString(), family, broker.bootstrap(), topic, group,
            Integer.toString(count)));
        assertEquals(0, result.exitCode(), result.toString());
        String json = result.lines().get(result.lines().size() - 1);
        List<String> values = new ArrayList<>();
        for (String v : json.replaceAll("[\\[\\]\"]", "").split(",\\s*")) {
            if (!v.isBlank())
                values.add(v.trim());
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka-python", "confluent-kafka"})
    void pythonConsumerGroupsReadCommitAndResume(String family) throws Exception {
        assumeTrue(hasModule(family.equals("kafka-python") ? "kafka" : "confluent_kafka"), family + " is not installed");
        String topic = "python-" + family;
        String group = "group-" + family;
        GroupTestSupport.createTopic(broker.bootstrap(), topic, 2);
        Set<String> produced = new HashSet<>();
        try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, null, "value-" + i)).get();
                produced.add("value-" + i);
            }
        }
        List<String> first = consume(family, topic, group, 8);
        assertEquals(8, first.size(), first.toString());
        Map<Integer, Long> afterFirst = committed(group, topic);
        assertEquals(8L, afterFirst.values().stream().mapToLong(Long::longValue).sum(), "committed " + afterFirst);

        List<String> second = consume(family, topic, group, 12);
        Set<String> all = new HashSet<>(first);
        all.addAll(second);
        assertEquals(20, first.size() + second.size(), "nothing consumed twice: " + first + " then " + second);
        assertEquals(produced, all);
        assertEquals(Map.of(0, 10L, 1, 10L), committed(group, topic));
    }

    private static Map<Integer, Long> committed(String group, String topic) throws Exception {
        try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<Integer, Long> result = new TreeMap<>();
            offsets.forEach((tp, o) -> {
                if (tp.topic().equals(topic))
                    result.put(tp.partition(), o.offset());
            });
            return result;
        }
    }
}
