package io.gregor.broker.cluster;

import static io.gregor.broker.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import io.gregor.broker.Broker;
import io.gregor.broker.KafkaTool;
import io.gregor.metrics.BrokerGauge;
import io.gregor.metrics.BrokerMetrics;
import io.micrometer.core.instrument.Gauge;

/**
 * Three brokers in one JVM, driven by the official Java client: replicated topics, leader
 * failover, the ISR, min.insync.replicas and unclean leader election, as Kafka's docs describe
 * them. Each test stops at most one broker and starts it again before it ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class ReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private TestCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = TestCluster.start(3, Map.of("offsets.topic.replication.factor", "3"));
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void aTopicWithThreeReplicasHasEveryPartitionInSyncOnEveryBroker() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("spread", 3, (short) 3))).all().get();
            awaitFullIsr(admin, "spread");
            TopicDescription topic = describe(admin, "spread");
            List<Integer> leaders = topic.partitions().stream().map(p -> p.leader().id()).sorted().toList();
            assertEquals(List.of(1, 2, 3), leaders, "leadership is spread round robin");
        }
        List<String> sent = produce("spread", 300, "all");
        assertEquals(sent.size(), consumeAll("spread", sent.size()).size());
        try (Admin admin = cluster.admin()) {
            await("every replica holds all 300 records", WAIT, () -> replicaSizes(admin, "spread").values().stream()
                .distinct().count() == 1);
        }
    }

    @Test
    void kafkaTopicsDescribesLeadersReplicasAndTheIsr() throws Exception {
        KafkaTool.Result created = KafkaTool.run(KafkaTool.TOPICS, "--bootstrap-server", cluster.bootstrap(), "--create",
            "--topic", "described", "--partitions", "2", "--replication-factor", "3");
        assertEquals(0, created.exitCode(), created.describe());
        try (Admin admin = cluster.admin()) {
            awaitFullIsr(admin, "described");
        }
        KafkaTool.Result described = KafkaTool.run(KafkaTool.TOPICS, "--bootstrap-server", cluster.bootstrap(),
            "--describe", "--topic", "described");
        assertEquals(0, described.exitCode(), described.describe());
        assertTrue(described.stdout().contains("ReplicationFactor: 3"), described.describe());
        assertTrue(described.stdout().matches("(?s).*Partition: 0\\s+Leader: 1\\s+Replicas: 1,2,3\\s+Isr: 1,2,3.*"),
            described.describe());
        assertTrue(described.stdout().matches("(?s).*Partition: 1\\s+Leader: 2\\s+Replicas: 2,3,1\\s+Isr: 2,3,1.*"),
            described.describe());
        KafkaTool.Result underReplicated = KafkaTool.run(KafkaTool.TOPICS, "--bootstrap-server", cluster.bootstrap(),
            "--describe", "--under-replicated-partitions");
        assertEquals("", underReplicated.stdout().trim(), underReplicated.describe());
    }

    @Test
    void stoppingTheLeaderMovesLeadershipToAnInSyncReplicaAndLosesNothing() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("failover", 1, (short) 3))).all().get();
            awaitFullIsr(admin, "failover");
            List<String> before = produce("failover", 200, "all");
            int oldLeader = describe(admin, "failover").partitions().get(0).leader().id();

            cluster.stopBroker(oldLeader);
            await("a new leader from the ISR", WAIT, () -> {
                TopicPartitionInfo p = partition(admin, "failover");
                return p.leader() != null && p.leader().id() != oldLeader
                    && p.isr().stream().noneMatch(n -> n.id() == oldLeader);
            });
            int newLeader = partition(admin, "failover").leader().id();
            await("the new leader reports the partition under-replicated", WAIT,
                () -> gauge(cluster.broker(newLeader), BrokerGauge.UNDER_REPLICATED_PARTITIONS) >= 1);
            List<String> after = produce("failover", 200, "all");

            List<String> all = new ArrayList<>(before);
            all.addAll(after);
            assertEquals(all, consumeAll("failover", all.size()), "every acknowledged record, in order, once");

            cluster.startBroker(oldLeader);
            await("the restarted broker catches up and rejoins the ISR", WAIT,
                () -> partition(admin, "failover").isr().size() == 3);
            await("no broker reports under-replicated partitions", WAIT, () -> sumOver(BrokerGauge.UNDER_REPLICATED_PARTITIONS) == 0);
        }
    }

    @Test
    void aRollingRestartUnderAcksAllLoadLosesNothingAndFailsNoSend() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("rolling", 3, (short) 3)
                .configs(Map.of("min.insync.replicas", "2")))).all().get();
            awaitFullIsr(admin, "rolling");
            List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Exception> failed = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread load = new Thread(() -> {
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps("all"))) {
                    for (int i = 0; running.get(); i++) {
                        String value = "rolling-" + i;
                        producer.send(new ProducerRecord<>("rolling", Integer.toString(i % 30), value), (meta, e) -> {
                            if (e == null)
                                acked.add(value);
                            else
                                failed.add(e);
                        });
                        Thread.sleep(2);
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "rolling-load");
            load.start();
            try {
                for (int id = 1; id <= 3; id++) {
                    int before = acked.size();
                    await("records acknowledged before restarting broker " + id, WAIT, () -> acked.size() > before + 100);
                    cluster.stopBroker(id);
                    cluster.startBroker(id);
                    awaitFullIsr(admin, "rolling");
                }
            } finally {
                running.set(false);
                load.join();
            }
            assertEquals(List.of(), failed, "no send failed");
            List<String> consumed = consumeAll("rolling", acked.size());
            assertEquals(acked.size(), consumed.size(), "every acknowledged record exactly once");
            assertEquals(new java.util.HashSet<>(acked), new java.util.HashSet<>(consumed));
        }
    }

    @Test
    void recordsDeletedOnTheLeaderStayDeletedAfterAFailover() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("trimmed", 1, (short) 3))).all().get();
            awaitFullIsr(admin, "trimmed");
            List<String> sent = produce("trimmed", 100, "all");
            TopicPartition tp = new TopicPartition("trimmed", 0);
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(60))).all().get();
            int oldLeader = partition(admin, "trimmed").leader().id();
            await("the followers take the leader's log start offset", WAIT, () -> {
                for (Broker broker : cluster.running()) {
                    if (broker.brokerId() != oldLeader && logStartOffset(broker, tp) != 60)
                        return false;
                }
                return true;
            });
            cluster.stopBroker(oldLeader);
            try {
                await("a new leader", WAIT, () -> {
                    Node leader = partition(admin, "trimmed").leader();
                    return leader != null && leader.id() != oldLeader;
                });
                long earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset();
                assertEquals(60, earliest);
                assertEquals(sent.subList(60, 100), consumeAll("trimmed", 40));
            } finally {
                cluster.startBroker(oldLeader);
            }
            awaitFullIsr(admin, "trimmed");
        }
    }

    @Test
    void aPartitionWhoseOnlyReplicaIsGoneIsOfflineUntilItReturns() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("lonely", Map.of(0, List.of(3))))).all().get();
            List<String> sent = produce("lonely", 50, "all");
            cluster.stopBroker(3);
            await("the controller counts an offline partition", WAIT,
                () -> sumOver(BrokerGauge.OFFLINE_PARTITIONS_COUNT) == 1);
            await("metadata shows no leader", WAIT, () -> partition(admin, "lonely").leader() == null);

            cluster.startBroker(3);
            await("broker 3 leads again", WAIT, () -> {
                Node leader = partition(admin, "lonely").leader();
                return leader != null && leader.id() == 3;
            });
            await("no offline partitions", WAIT, () -> sumOver(BrokerGauge.OFFLINE_PARTITIONS_COUNT) == 0);
            assertEquals(sent, consumeAll("lonely", sent.size()));
            awaitFullIsr(admin, "failover");
        }
    }

    @Test
    void acksAllIsRefusedWhileTheIsrIsBelowMinInsyncReplicas() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("strict", Map.of(0, List.of(1, 2)))
                .configs(Map.of("min.insync.replicas", "2")))).all().get();
            awaitFullIsr(admin, "strict");
            produce("strict", 10, "all");

            cluster.stopBroker(2);
            await("the ISR shrinks to the leader", WAIT, () -> partition(admin, "strict").isr().size() == 1);
            ExecutionException refused = assertThrows(ExecutionException.class, () -> produceOne("strict", "all"));
            assertInstanceOf(NotEnoughReplicasException.class, refused.getCause());
            produceOne("strict", "1");

            cluster.startBroker(2);
            awaitFullIsr(admin, "strict");
            produceOne("strict", "all");
            assertEquals(12, consumeAll("strict", 12).size());
        }
    }

    @Test
    void uncleanLeaderElectionTradesTheUnreplicatedRecordsForAvailability() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(
                new NewTopic("clean", Map.of(0, List.of(1, 2))),
                new NewTopic("unclean", Map.of(0, List.of(1, 2))).configs(Map.of("unclean.leader.election.enable", "true"))))
                .all().get();
            awaitFullIsr(admin, "clean");
            awaitFullIsr(admin, "unclean");
            List<String> replicated = produce("unclean", 20, "all");
            produce("clean", 20, "all");

            cluster.stopBroker(2);
            await("broker 2 leaves both ISRs", WAIT, () -> partition(admin, "clean").isr().size() == 1
                && partition(admin, "unclean").isr().size() == 1);
            produce("unclean", 5, "1"); // only broker 1 holds these
            cluster.stopBroker(1);
            cluster.startBroker(2);
            await("the out-of-sync replica leads the unclean topic", WAIT, () -> {
                Node leader = partition(admin, "unclean").leader();
                return leader != null && leader.id() == 2;
            });
            assertEquals(null, partition(admin, "clean").leader(), "the clean topic waits for its last in-sync replica");
            assertEquals(replicated, consumeAll("unclean", replicated.size()));

            cluster.startBroker(1);
            await("broker 1 leads the clean topic again", WAIT, () -> {
                Node leader = partition(admin, "clean").leader();
                return leader != null && leader.id() == 1;
            });
            awaitFullIsr(admin, "unclean");
        }
    }

    @Test
    void committedOffsetsSurviveTheLossOfTheGroupCoordinator() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 3))).all().get();
            awaitFullIsr(admin, "orders");
        }
        produce("orders", 100, "all");
        Properties props = consumerProps();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        int coordinator;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("orders"));
            int seen = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen < 100 && System.nanoTime() < deadline)
                seen += consumer.poll(Duration.ofMillis(200)).count();
            assertEquals(100, seen);
            consumer.commitSync();
        }
        try (Admin admin = cluster.admin()) {
            coordinator = admin.describeConsumerGroups(List.of("billing")).all().get().get("billing").coordinator().id();
        }
        try (Admin admin = cluster.admin()) {
            cluster.stopBroker(coordinator);
            await("another broker coordinates the group with its offsets", WAIT, () -> {
                try {
                    Map<TopicPartition, ?> offsets = admin.listConsumerGroupOffsets("billing")
                        .partitionsToOffsetAndMetadata().get();
                    return offsets.size() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            long committed = admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get()
                .values().stream().mapToLong(o -> o.offset()).sum();
            assertEquals(100, committed);
            assertNotEquals(coordinator, admin.describeConsumerGroups(List.of("billing")).all().get().get("billing")
                .coordinator().id());
        } finally {
            cluster.startBroker(coordinator);
        }
    }

    private void awaitFullIsr(Admin admin, String topic) throws InterruptedException {
        await(topic + " fully in sync", WAIT, () -> {
            try {
                return describe(admin, topic).partitions().stream()
                    .allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size());
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private static TopicPartitionInfo partition(Admin admin, String topic) {
        try {
            return describe(admin, topic).partitions().get(0);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private Map<String, Long> replicaSizes(Admin admin, String topic) {
        Map<String, Long> sizes = new HashMap<>();
        try {
            admin.describeLogDirs(List.of(1, 2, 3)).allDescriptions().get().forEach((broker, dirs) ->
                dirs.values().forEach(dir -> dir.replicaInfos().forEach((tp, info) -> {
                    if (tp.topic().equals(topic))
                        sizes.put(broker + "/" + tp, info.size());
                })));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(9, sizes.size(), "3 partitions x 3 replicas: " + sizes.keySet());
        Map<String, Long> byPartition = new HashMap<>();
        sizes.forEach((key, size) -> byPartition.merge(key.substring(key.indexOf('/') + 1), size,
            (a, b) -> a.equals(b) ? a : -1L));
        return byPartition.values().stream().anyMatch(v -> v < 0) ? sizes : Map.of("all", 0L);
    }

    private double sumOver(BrokerGauge gauge) {
        double sum = 0;
        for (Broker broker : cluster.running())
            sum += gauge(broker, gauge);
        return sum;
    }

    /** The kafka_log_log_logstartoffset gauge of one replica. */
    private static double logStartOffset(Broker broker, TopicPartition tp) {
        Gauge meter = broker.metrics().registry().find(BrokerMetrics.LOG_START_OFFSET)
            .tag("topic", tp.topic()).tag("partition", Integer.toString(tp.partition())).gauge();
        return meter == null ? -1 : meter.value();
    }

    private static double gauge(Broker broker, BrokerGauge gauge) {
        Gauge meter = broker.metrics().registry().find(gauge.meterName()).gauge();
        return meter == null ? 0 : meter.value();
    }

    private List<String> produce(String topic, int count, String acks) throws Exception {
        Properties props = producerProps(acks);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                String value = topic + "-" + System.nanoTime() + "-" + i;
                producer.send(new ProducerRecord<>(topic, Integer.toString(i), value)).get();
                sent.add(value);
            }
        }
        return sent;
    }

    private void produceOne(String topic, String acks) throws Exception {
        Properties props = producerProps(acks);
        props.put(ProducerConfig.RETRIES_CONFIG, "0");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }
    }

    private Properties producerProps(String acks) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString("all".equals(acks)));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }

    private Properties consumerProps() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }

    /** Reads every partition of {@code topic} from the start without a group, partition by partition in offset order. */
    private List<String> consumeAll(String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            assertTrue(records.size() >= expected, "consumed " + records.size() + " of " + expected);
            records.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
            return records.stream().map(ConsumerRecord::value).toList();
        }
    }
}
