package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.gregor.broker.KafkaTool.Result;

/**
 * kcat (librdkafka, the C client under confluent-kafka-python/-go/-dotnet and many others)
 * against one Gregor broker. Skipped where kcat is not installed ({@code apt-get install kcat}).
 */
class KcatTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static String kcat;
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        kcat = findKcat().orElse(null);
        assumeTrue(kcat != null, "kcat is not installed");
        broker = TestBroker.start(Map.of());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    @Test
    void metadataListsTheBrokerAndTheTopics() throws Exception {
        createTopic("kcat-metadata", 2);
        Result metadata = kcat("-L");
        assertEquals(0, metadata.exitCode(), metadata.describe());
        String out = metadata.stdout();
        assertTrue(out.contains("Metadata for all topics (from broker 0: " + broker.bootstrap() + "/0):"), metadata.describe());
        assertTrue(out.contains(" 1 brokers:\n  broker 0 at " + broker.bootstrap() + " (controller)\n"), metadata.describe());
        assertTrue(out.contains("  topic \"kcat-metadata\" with 2 partitions:\n"
            + "    partition 0, leader 0, replicas: 0, isrs: 0\n"
            + "    partition 1, leader 0, replicas: 0, isrs: 0\n"), metadata.describe());

        Result one = kcat("-L", "-t", "kcat-metadata");
        assertEquals(0, one.exitCode(), one.describe());
        assertTrue(one.stdout().contains(" 1 topics:\n  topic \"kcat-metadata\" with 2 partitions:"), one.describe());
    }

    @Test
    void keyedLinesProducedWithKcatComeBackExactly() throws Exception {
        createTopic("kcat-keyed", 1);
        List<String> lines = IntStream.range(0, 20).mapToObj(i -> "key" + i + ":value " + i).toList();
        Result produced = kcatWithInput(String.join("\n", lines) + "\n", "-P", "-t", "kcat-keyed", "-K:");
        assertEquals(0, produced.exitCode(), produced.describe());

        Result consumed = kcat("-C", "-t", "kcat-keyed", "-e", "-o", "beginning", "-f", "%k=%s\\n");
        assertEquals(0, consumed.exitCode(), consumed.describe());
        StringBuilder expected = new StringBuilder();
        for (String line : lines)
            expected.append(line.replaceFirst(":", "=")).append('\n');
        assertEquals(expected.toString(), consumed.stdout(), consumed.describe());
        assertTrue(consumed.stderr().contains("Reached end of topic kcat-keyed [0] at offset 20: exiting"), consumed.describe());
    }

    @Test
    void theConsumerStartsAtTheEndOrAtAnOffset() throws Exception {
        createTopic("kcat-offsets", 1);
        Result produced = kcatWithInput("a\nb\nc\nd\n", "-P", "-t", "kcat-offsets");
        assertEquals(0, produced.exitCode(), produced.describe());

        Result fromTwo = kcat("-C", "-t", "kcat-offsets", "-e", "-o", "2", "-f", "%o:%s\\n");
        assertEquals(0, fromTwo.exitCode(), fromTwo.describe());
        assertEquals("2:c\n3:d\n", fromTwo.stdout(), fromTwo.describe());

        Result lastTwo = kcat("-C", "-t", "kcat-offsets", "-e", "-o", "-2", "-f", "%o:%s\\n");
        assertEquals(0, lastTwo.exitCode(), lastTwo.describe());
        assertEquals("2:c\n3:d\n", lastTwo.stdout(), lastTwo.describe());

        Result atEnd = kcat("-C", "-t", "kcat-offsets", "-e", "-o", "end", "-f", "%o:%s\\n");
        assertEquals(0, atEnd.exitCode(), atEnd.describe());
        assertEquals("", atEnd.stdout(), atEnd.describe());
    }

    /** librdkafka sends a batch uncompressed when compressing does not shrink it: the lines repeat. */
    @ParameterizedTest
    @ValueSource(strings = {"lz4", "zstd", "snappy", "gzip"})
    void producingWithEveryCompressionCodecWorks(String codec) throws Exception {
        String topic = "kcat-" + codec;
        createTopic(topic, 1);
        List<String> lines = IntStream.range(0, 200)
            .mapToObj(i -> "k" + i + ":a rather compressible value, a rather compressible value " + i).toList();
        Result produced = kcatWithInput(String.join("\n", lines) + "\n", "-P", "-t", topic, "-K:",
            "-X", "compression.codec=" + codec, "-X", "linger.ms=50");
        assertEquals(0, produced.exitCode(), produced.describe());

        List<ConsumerRecord<String, String>> records = readFromStart(topic, lines.size());
        assertEquals(lines.size(), records.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i, records.get(i).offset());
            assertEquals(lines.get(i), records.get(i).key() + ":" + records.get(i).value());
        }
        // The batch is stored as the producer compressed it.
        Path segment = broker.logDir().resolve(topic + "-0").resolve("00000000000000000000.log");
        try (FileRecords file = FileRecords.open(segment.toFile(), false)) {
            RecordBatch first = file.batches().iterator().next();
            assertEquals(CompressionType.forName(codec), first.compressionType(), "librdkafka sends a batch uncompressed "
                + "('Broker does not support compression type') unless ApiVersions advertises Produce v0, as Kafka does "
                + "(KAFKA-18659), and for lz4 also FindCoordinator v0");
        }
    }

    // --- helpers ----------------------------------------------------------------------------

    private static Optional<String> findKcat() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("kcat", "kafkacat")) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate))
                    return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    private static Result kcat(String... args) throws Exception {
        return kcatWithInput(null, args);
    }

    private static Result kcatWithInput(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(kcat, "-b", broker.bootstrap()));
        command.addAll(List.of(args));
        return KafkaTool.exec(DEADLINE, stdin, command);
    }

    private static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static List<ConsumerRecord<String, String>> readFromStart(String topic, int count) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config,
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.size() < count && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
