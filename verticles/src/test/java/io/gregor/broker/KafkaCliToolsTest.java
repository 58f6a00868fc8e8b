package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.KafkaTool.Result;

/**
 * Kafka's quick start as a user types it: Apache Kafka 3.9's own command-line tools
 * (kafka-topics, kafka-console-producer/consumer, kafka-configs, kafka-dump-log,
 * kafka-get-offsets, kafka-delete-records, kafka-log-dirs, kafka-broker-api-versions), each in a
 * child JVM against one Gregor broker, checked on what they print.
 */
class KafkaCliToolsTest {
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    // --- kafka-topics ----------------------------------------------------------------------

    @Test
    void topicsCreatesListsDescribesGrowsAndDeletesATopic() throws Exception {
        Result created = topics("--create", "--topic", "quickstart", "--partitions", "3", "--replication-factor", "1");
        assertSucceeded(created);
        assertTrue(created.stdout().contains("Created topic quickstart."), created.describe());

        Result list = topics("--list");
        assertSucceeded(list);
        assertTrue(list.lines().contains("quickstart"), list.describe());

        Result described = topics("--describe", "--topic", "quickstart");
        assertSucceeded(described);
        assertTrue(Pattern.compile("Topic: quickstart\\tTopicId: \\S+\\tPartitionCount: 3\\tReplicationFactor: 1\\tConfigs:")
            .matcher(described.stdout()).find(), described.describe());
        for (int p = 0; p < 3; p++)
            assertTrue(described.stdout().contains("Topic: quickstart\tPartition: " + p + "\tLeader: 0\tReplicas: 0\tIsr: 0"),
                described.describe());
        assertEquals(4, described.lines().size(), described.describe());

        assertSucceeded(topics("--alter", "--topic", "quickstart", "--partitions", "4"));
        Result grown = topics("--describe", "--topic", "quickstart");
        assertTrue(grown.stdout().contains("PartitionCount: 4"), grown.describe());
        assertTrue(grown.stdout().contains("Topic: quickstart\tPartition: 3\tLeader: 0\tReplicas: 0\tIsr: 0"), grown.describe());

        Result shrink = topics("--alter", "--topic", "quickstart", "--partitions", "2");
        assertEquals(1, shrink.exitCode(), shrink.describe());
        assertTrue(shrink.output().contains("Topic currently has 4 partitions, which is higher than the requested 2."),
            shrink.describe());

        assertSucceeded(topics("--delete", "--topic", "quickstart"));
        Result after = topics("--list");
        assertSucceeded(after);
        assertFalse(after.lines().contains("quickstart"), after.describe());
        Result gone = topics("--describe", "--topic", "quickstart");
        assertEquals(1, gone.exitCode(), gone.describe());
        assertTrue(gone.output().contains("does not exist as expected"), gone.describe());
    }

    @Test
    void creatingAnExistingTopicPrintsKafkasError() throws Exception {
        assertSucceeded(topics("--create", "--topic", "twice", "--partitions", "1", "--replication-factor", "1"));
        Result again = topics("--create", "--topic", "twice", "--partitions", "1", "--replication-factor", "1");
        assertEquals(1, again.exitCode(), again.describe());
        assertTrue(again.stdout().contains("Error while executing topic command : Topic 'twice' already exists."), again.describe());
        assertTrue(again.stderr().contains("org.apache.kafka.common.errors.TopicExistsException"), again.describe());

        Result ifNotExists = topics("--create", "--if-not-exists", "--topic", "twice", "--partitions", "1");
        assertSucceeded(ifNotExists);
    }

    @Test
    void anInvalidTopicNameIsRefusedWithKafkasMessage() throws Exception {
        Result bad = topics("--create", "--topic", "bad/name", "--partitions", "1", "--replication-factor", "1");
        assertEquals(1, bad.exitCode(), bad.describe());
        assertTrue(bad.stdout().contains("Error while executing topic command : Topic name is invalid: 'bad/name' contains "
            + "one or more characters other than ASCII alphanumerics, '.', '_' and '-'"), bad.describe());
        assertTrue(bad.stderr().contains("org.apache.kafka.common.errors.InvalidTopicException"), bad.describe());
        assertFalse(topics("--list").lines().contains("bad/name"));
    }

    @Test
    void topicConfigsGivenAtCreationShowInDescribe() throws Exception {
        assertSucceeded(topics("--create", "--topic", "with-configs", "--partitions", "1",
            "--config", "retention.ms=999", "--config", "cleanup.policy=compact"));
        Result described = topics("--describe", "--topic", "with-configs");
        assertTrue(described.stdout().contains("Configs: cleanup.policy=compact,retention.ms=999"), described.describe());
    }

    // --- console producer and consumer ------------------------------------------------------

    @Test
    void consoleProducerLinesComeBackFromTheConsoleConsumer() throws Exception {
        createTopic("events", 1);
        List<String> lines = List.of("This is my first event", "This is my second event", "and a third, with ünïcödé");
        Result produced = KafkaTool.runWithInput(String.join("\n", lines) + "\n", KafkaTool.CONSOLE_PRODUCER,
            "--bootstrap-server", broker.bootstrap(), "--topic", "events");
        assertSucceeded(produced);
        assertFalse(produced.stderr().contains("ERROR"), produced.describe());

        Result consumed = consume("--topic", "events", "--partition", "0", "--offset", "earliest", "--max-messages", "3");
        assertSucceeded(consumed);
        assertEquals(lines, consumed.lines(), consumed.describe());
        assertTrue(consumed.stderr().contains("Processed a total of 3 messages"), consumed.describe());

        Result fromBeginning = consume("--topic", "events", "--partition", "0", "--from-beginning", "--max-messages", "3");
        assertSucceeded(fromBeginning);
        assertEquals(lines, fromBeginning.lines(), fromBeginning.describe());

        Result offsets = getOffsets("--topic", "events");
        assertSucceeded(offsets);
        assertEquals(List.of("events:0:3"), offsets.lines(), offsets.describe());
    }

    @Test
    void consoleProducerParsesKeysAndTheConsumerPrintsThem() throws Exception {
        createTopic("keyed", 1);
        Result produced = KafkaTool.runWithInput("k1:v1\nk2:v2\nk3:value:with:colons\n", KafkaTool.CONSOLE_PRODUCER,
            "--bootstrap-server", broker.bootstrap(), "--topic", "keyed",
            "--property", "parse.key=true", "--property", "key.separator=:");
        assertSucceeded(produced);

        Result consumed = consume("--topic", "keyed", "--partition", "0", "--offset", "earliest", "--max-messages", "3",
            "--property", "print.key=true", "--property", "key.separator==");
        assertSucceeded(consumed);
        assertEquals(List.of("k1=v1", "k2=v2", "k3=value:with:colons"), consumed.lines(), consumed.describe());

        Result withOffsets = consume("--topic", "keyed", "--partition", "0", "--offset", "1", "--max-messages", "2",
            "--property", "print.offset=true", "--property", "print.partition=true");
        assertSucceeded(withOffsets);
        assertEquals(List.of("Partition:0\tOffset:1\tv2", "Partition:0\tOffset:2\tvalue:with:colons"), withOffsets.lines(),
            withOffsets.describe());
    }

    /**
     * Without {@code --partition} the console consumer subscribes with a consumer group
     * ({@code console-consumer-NNNNN}); it has no group-less mode. Kafka prints the records;
     * this needs FindCoordinator/JoinGroup/SyncGroup/Heartbeat/OffsetCommit.
     */
    @Test
    void theConsoleConsumerWithAGroupReadsFromTheBeginning() throws Exception {
        createTopic("grouped", 1);
        assertSucceeded(KafkaTool.runWithInput("a\nb\nc\n", KafkaTool.CONSOLE_PRODUCER,
            "--bootstrap-server", broker.bootstrap(), "--topic", "grouped"));
        Result consumed = consume("--topic", "grouped", "--from-beginning", "--max-messages", "3");
        assertSucceeded(consumed);
        assertEquals(List.of("a", "b", "c"), consumed.lines(), consumed.describe());
        assertFalse(consumed.stderr().contains("ERROR"), consumed.describe());
    }

    // --- kafka-configs ----------------------------------------------------------------------

    @Test
    void configsAddsDescribesAndDeletesATopicOverride() throws Exception {
        createTopic("configured", 1);
        Result added = configs("--entity-type", "topics", "--entity-name", "configured", "--alter", "--add-config", "retention.ms=12345");
        assertSucceeded(added);
        assertTrue(added.stdout().contains("Completed updating config for topic configured."), added.describe());

        Result described = configs("--entity-type", "topics", "--entity-name", "configured", "--describe");
        assertSucceeded(described);
        assertTrue(described.stdout().contains("Dynamic configs for topic configured are:"), described.describe());
        assertTrue(described.stdout().contains("  retention.ms=12345 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=12345"),
            described.describe());
        assertTrue(topics("--describe", "--topic", "configured").stdout().contains("Configs: retention.ms=12345"));

        Result deleted = configs("--entity-type", "topics", "--entity-name", "configured", "--alter", "--delete-config", "retention.ms");
        assertSucceeded(deleted);
        Result after = configs("--entity-type", "topics", "--entity-name", "configured", "--describe");
        assertSucceeded(after);
        assertFalse(after.stdout().contains("retention.ms"), after.describe());

        Result all = configs("--entity-type", "topics", "--entity-name", "configured", "--describe", "--all");
        assertSucceeded(all);
        assertTrue(all.stdout().contains("All configs for topic configured are:"), all.describe());
        assertTrue(all.stdout().contains("  retention.ms=604800000 "), all.describe());
        assertTrue(all.stdout().contains("  cleanup.policy=delete "), all.describe());
    }

    @Test
    void configsRefusesABadValueAndAnUnknownName() throws Exception {
        createTopic("strict", 1);
        Result notANumber = configs("--entity-type", "topics", "--entity-name", "strict", "--alter", "--add-config", "retention.ms=abc");
        assertEquals(1, notANumber.exitCode(), notANumber.describe());
        assertTrue(notANumber.output().contains(
            "InvalidConfigurationException: Invalid value abc for configuration retention.ms: Not a number of type LONG"),
            notANumber.describe());

        Result unknown = configs("--entity-type", "topics", "--entity-name", "strict", "--alter", "--add-config", "no.such.config=1");
        assertEquals(1, unknown.exitCode(), unknown.describe());
        assertTrue(unknown.output().contains("InvalidConfigurationException: Unknown topic config name: no.such.config"),
            unknown.describe());
    }

    @Test
    void configsDescribesTheBrokersConfigs() throws Exception {
        Result all = configs("--entity-type", "brokers", "--entity-name", "0", "--describe", "--all");
        assertSucceeded(all);
        assertTrue(all.stdout().contains("All configs for broker 0 are:"), all.describe());
        assertTrue(all.stdout().contains("  broker.id=0 sensitive=false"), all.describe());
        assertTrue(all.stdout().contains("  log.dirs=" + broker.logDir() + " sensitive=false"), all.describe());
        assertTrue(all.stdout().contains("  num.io.threads=2 sensitive=false"), all.describe());
        assertTrue(all.stdout().contains("  listeners=PLAINTEXT://127.0.0.1:"), all.describe());

        Result dynamic = configs("--entity-type", "brokers", "--entity-name", "0", "--describe");
        assertSucceeded(dynamic);
        assertEquals(List.of("Dynamic configs for broker 0 are:"), dynamic.lines(), dynamic.describe());
    }

    // --- offsets, delete-records, log-dirs, api versions ------------------------------------

    @Test
    void deleteRecordsMovesTheLowWatermarkThatGetOffsetsReports() throws Exception {
        createTopic("trimmed", 1);
        produce("trimmed", "a", "b", "c", "d", "e");
        assertEquals(List.of("trimmed:0:5"), getOffsets("--topic", "trimmed").lines());
        assertEquals(List.of("trimmed:0:0"), getOffsets("--topic", "trimmed", "--time", "-2").lines());

        Path json = Files.createTempFile("delete-records", ".json");
        try {
            Files.writeString(json, "{\"partitions\":[{\"topic\":\"trimmed\",\"partition\":0,\"offset\":3}],\"version\":1}");
            Result deleted = KafkaTool.run(KafkaTool.DELETE_RECORDS, "--bootstrap-server", broker.bootstrap(),
                "--offset-json-file", json.toString());
            assertSucceeded(deleted);
            assertTrue(deleted.stdout().contains("partition: trimmed-0\tlow_watermark: 3"), deleted.describe());
        } finally {
            Files.deleteIfExists(json);
        }
        Result earliest = getOffsets("--topic", "trimmed", "--time", "-2");
        assertSucceeded(earliest);
        assertEquals(List.of("trimmed:0:3"), earliest.lines(), earliest.describe());
        assertEquals(List.of("trimmed:0:5"), getOffsets("--topic", "trimmed", "--time", "-1").lines());

        Result rest = consume("--topic", "trimmed", "--partition", "0", "--offset", "earliest", "--max-messages", "2");
        assertEquals(List.of("d", "e"), rest.lines(), rest.describe());
    }

    @Test
    void logDirsListsThePartitionsInTheBrokersLogDir() throws Exception {
        createTopic("on-disk", 2);
        Result dirs = KafkaTool.run(KafkaTool.LOG_DIRS, "--bootstrap-server", broker.bootstrap(), "--describe",
            "--topic-list", "on-disk");
        assertSucceeded(dirs);
        assertTrue(dirs.stdout().contains("Received log directory information from brokers 0"), dirs.describe());
        assertTrue(dirs.stdout().contains("\"logDir\":\"" + broker.logDir() + "\""), dirs.describe());
        assertTrue(dirs.stdout().contains("{\"partition\":\"on-disk-0\",\"size\":0,\"offsetLag\":0,\"isFuture\":false}"),
            dirs.describe());
        assertTrue(dirs.stdout().contains("{\"partition\":\"on-disk-1\",\"size\":0,\"offsetLag\":0,\"isFuture\":false}"),
            dirs.describe());
        assertTrue(dirs.stdout().contains("\"error\":null"), dirs.describe());
    }

    @Test
    void brokerApiVersionsPrintsTheBrokersApis() throws Exception {
        Result versions = KafkaTool.run(KafkaTool.BROKER_API_VERSIONS, "--bootstrap-server", broker.bootstrap());
        assertSucceeded(versions);
        assertTrue(versions.stdout().startsWith(broker.bootstrap() + " (id: 0 rack: null) -> ("), versions.describe());
        for (String api : List.of("Produce(0)", "Fetch(1)", "ListOffsets(2)", "Metadata(3)", "ApiVersions(18)",
            "CreateTopics(19)", "DeleteTopics(20)", "DeleteRecords(21)", "DescribeConfigs(32)", "DescribeLogDirs(35)",
            "CreatePartitions(37)", "IncrementalAlterConfigs(44)")) {
            assertTrue(Pattern.compile("\\t" + Pattern.quote(api) + ": \\d+ to \\d+ \\[usable: \\d+\\]")
                .matcher(versions.stdout()).find(), api + "\n" + versions.describe());
        }
        // Inter-broker APIs are never served on the client listener.
        assertTrue(versions.stdout().contains("\tLeaderAndIsr(4): UNSUPPORTED,"), versions.describe());
        assertTrue(versions.stdout().contains("\tControlledShutdown(7): UNSUPPORTED,"), versions.describe());
        assertFalse(versions.stderr().contains("ERROR"), versions.describe());
    }

    // --- kafka-dump-log ---------------------------------------------------------------------

    @Test
    void dumpLogReadsTheBrokersOwnSegment() throws Exception {
        try (TestBroker own = TestBroker.start(Map.of())) {
            assertSucceeded(KafkaTool.run(KafkaTool.TOPICS, "--bootstrap-server", own.bootstrap(),
                "--create", "--topic", "dumped", "--partitions", "1", "--replication-factor", "1"));
            assertSucceeded(KafkaTool.runWithInput("k1:v1\nk2:v2\nk3:v3\n", KafkaTool.CONSOLE_PRODUCER,
                "--bootstrap-server", own.bootstrap(), "--topic", "dumped",
                "--property", "parse.key=true", "--property", "key.separator=:"));
            Path segment = own.logDir().resolve("dumped-0").resolve("00000000000000000000.log");

            // While the broker runs, the active segment is a preallocated mapping: the batches
            // written so far are readable (what follows them is reported by the tool, see below).
            Result live = KafkaTool.run(KafkaTool.DUMP_LOG, "--files", segment.toString(), "--print-data-log");
            assertTrue(live.stdout().contains("key: k3 payload: v3"), live.describe());

            // A clean shutdown trims the segment to its last batch: Kafka's tool reads it whole.
            own.broker().close();
            Result dump = KafkaTool.run(KafkaTool.DUMP_LOG, "--files", segment.toString(), "--print-data-log");
            assertSucceeded(dump);
            assertTrue(dump.stdout().contains("Dumping " + segment), dump.describe());
            assertTrue(dump.stdout().contains("Log starting offset: 0"), dump.describe());
            assertTrue(Pattern.compile("baseOffset: 0 lastOffset: 2 count: 3 .* magic: 2 compresscodec: none .* isvalid: true")
                .matcher(dump.stdout()).find(), dump.describe());
            List<String> records = new ArrayList<>();
            for (String line : dump.lines())
                if (line.startsWith("| offset: "))
                    records.add(line.replaceAll("CreateTime: \\d+ ", ""));
            assertEquals(List.of(
                "| offset: 0 keySize: 2 valueSize: 2 sequence: 0 headerKeys: [] key: k1 payload: v1",
                "| offset: 1 keySize: 2 valueSize: 2 sequence: 1 headerKeys: [] key: k2 payload: v2",
                "| offset: 2 keySize: 2 valueSize: 2 sequence: 2 headerKeys: [] key: k3 payload: v3"), records, dump.describe());
            assertTrue(dump.stderr().isBlank(), dump.describe());

            Path index = own.logDir().resolve("dumped-0").resolve("00000000000000000000.index");
            Path timeIndex = own.logDir().resolve("dumped-0").resolve("00000000000000000000.timeindex");
            Result sanity = KafkaTool.run(KafkaTool.DUMP_LOG, "--files", index + "," + timeIndex, "--index-sanity-check");
            assertSucceeded(sanity);
            assertFalse(sanity.output().contains("failed sanity check"), sanity.describe());
            assertFalse(sanity.output().contains("Exception"), sanity.describe());
        }
    }

    // --- helpers ----------------------------------------------------------------------------

    /** Topics the test is not about are created in-process: a tool JVM costs a second or two. */
    private static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void produce(String topic, String... values) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (String value : values)
                producer.send(new ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static Result topics(String... args) throws Exception {
        return KafkaTool.run(KafkaTool.TOPICS, withBootstrap(args));
    }

    private static Result configs(String... args) throws Exception {
        return KafkaTool.run(KafkaTool.CONFIGS, withBootstrap(args));
    }

    private static Result consume(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(withBootstrap(args)));
        all.addAll(List.of("--timeout-ms", "20000"));
        return KafkaTool.run(KafkaTool.CONSOLE_CONSUMER, all.toArray(String[]::new));
    }

    private static Result getOffsets(String... args) throws Exception {
        return KafkaTool.run(KafkaTool.GET_OFFSETS, withBootstrap(args));
    }

    private static String[] withBootstrap(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static void assertSucceeded(Result result) {
        assertEquals(0, result.exitCode(), result.describe());
    }
}
