package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official Java client against one Gregor broker: what a Kafka user tries first. */
@ExtendWith(NoBlockedThreads.class)
class ClientRoundTripTest {
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("auto.create.topics.enable", "true"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }

    static KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props);
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Reads {@code count} records from the start of partition 0, polling until a deadline. */
    static List<ConsumerRecord<byte[], byte[]>> readFromStart(String topic, int partition, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < count && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theDefaultIdempotentProducerAndAnAssignedConsumerRoundTripKeysValuesAndHeaders() throws Exception {
        createTopic("round-trip", 1);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("round-trip", 0, bytes("key-" + i), bytes("value-" + i));
                record.headers().add(new RecordHeader("h", bytes("header-" + i)));
                RecordMetadata metadata = producer.send(record).get(30, TimeUnit.SECONDS);
                assertEquals(i, metadata.offset());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = readFromStart("round-trip", 0, 100);
        assertEquals(100, records.size());
        for (int i = 0; i < 100; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            assertEquals(i, r.offset());
            assertArrayEquals(bytes("key-" + i), r.key());
            assertArrayEquals(bytes("value-" + i), r.value());
            assertArrayEquals(bytes("header-" + i), r.headers().lastHeader("h").value());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCompressionCodecRoundTrips(String codec) throws Exception {
        String topic = "codec-" + codec;
        createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 500; i++)
                producer.send(new ProducerRecord<>(topic, 0, bytes("k" + i), bytes("compressible value " + i)));
            producer.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> records = readFromStart(topic, 0, 500);
        assertEquals(500, records.size());
        for (int i = 0; i < 500; i++)
            assertArrayEquals(bytes("compressible value " + i), records.get(i).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all"})
    void everyAcksSettingDeliversEveryRecord(String acks) throws Exception {
        String topic = "acks-" + acks;
        createTopic(topic, 1);
        Map<String, Object> config = acks.equals("all") ? Map.of(ProducerConfig.ACKS_CONFIG, acks)
            : Map.of(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        try (KafkaProducer<byte[], byte[]> producer = producer(config)) {
            for (int i = 0; i < 200; i++)
                producer.send(new ProducerRecord<>(topic, 0, null, bytes("v" + i))).get(30, TimeUnit.SECONDS);
        }
        assertEquals(200, readFromStart(topic, 0, 200).size());
    }

    @Test
    void aRecordOverMaxMessageBytesFailsWithRecordTooLarge() throws Exception {
        createTopic("too-large", 1);
        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "too-large"),
                List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", "1024"),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>("too-large", 0, null, new byte[4096])).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            producer.send(new ProducerRecord<>("too-large", 0, null, new byte[100])).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void metadataCreatesAMissingTopicWhenAutoCreationIsOn() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>("auto-created", bytes("hello"))).get(30, TimeUnit.SECONDS);
            assertEquals(0, metadata.offset());
        }
        try (Admin admin = admin()) {
            TopicDescription description = admin.describeTopics(List.of("auto-created")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("auto-created");
            assertEquals(1, description.partitions().size(), "num.partitions");
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterATimestamp() throws Exception {
        createTopic("times", 1);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            for (int i = 0; i < 10; i++)
                producer.send(new ProducerRecord<>("times", 0, 1_000_000L + i * 1000L, null, bytes("v" + i))).get();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition tp = new TopicPartition("times", 0);
            OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, 1_000_000L + 4500L)).get(tp);
            assertNotNull(found);
            assertEquals(5, found.offset());
            assertEquals(1_005_000L, found.timestamp());
            assertEquals(0, consumer.beginningOffsets(List.of(tp)).get(tp));
            assertEquals(10, consumer.endOffsets(List.of(tp)).get(tp));
            assertEquals(null, consumer.offsetsForTimes(Map.of(tp, 2_000_000L)).get(tp));
        }
    }

    @Test
    void adminCreatesDescribesGrowsAndDeletesTopics() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("admin-topic", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ExecutionException exists = assertThrows(ExecutionException.class, () -> admin.createTopics(
                List.of(new NewTopic("admin-topic", 3, (short) 1))).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicExistsException.class, exists.getCause());
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("admin-topic"));
            admin.createPartitions(Map.of("admin-topic", NewPartitions.increaseTo(5))).all().get(30, TimeUnit.SECONDS);
            TopicDescription grown = admin.describeTopics(List.of("admin-topic")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("admin-topic");
            assertEquals(5, grown.partitions().size());
            assertEquals(0, grown.partitions().get(4).leader().id());
            admin.deleteTopics(List.of("admin-topic")).all().get(30, TimeUnit.SECONDS);
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(!names.contains("admin-topic"), names.toString());
            ExecutionException gone = assertThrows(ExecutionException.class, () -> admin.describeTopics(
                List.of("admin-topic")).allTopicNames().get(30, TimeUnit.SECONDS));
            assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
        }
    }

    @Test
    void recordsSurviveABrokerRestart() throws Exception {
        createTopic("durable", 2);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            for (int i = 0; i < 50; i++)
                producer.send(new ProducerRecord<>("durable", i % 2, null, bytes("v" + i))).get(30, TimeUnit.SECONDS);
        }
        broker.restart();
        assertEquals(25, readFromStart("durable", 0, 25).size());
        assertEquals(25, readFromStart("durable", 1, 25).size());
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            assertEquals(25, producer.send(new ProducerRecord<>("durable", 0, null, bytes("after"))).get(30, TimeUnit.SECONDS).offset());
        }
    }
}
