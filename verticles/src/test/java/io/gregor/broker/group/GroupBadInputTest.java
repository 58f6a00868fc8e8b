package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/**
 * Requests no well-behaved client sends, on the wire: commits from unknown members and old
 * generations are refused with Kafka's errors and change nothing; a flood of 1,000 JoinGroups
 * against group.max.size=10 is refused member by member and leaves the broker serving.
 */
class GroupBadInputTest {
    private static final int MAX_SIZE = 10;
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3", "group.max.size", Integer.toString(MAX_SIZE),
            "group.initial.rebalance.delay.ms", "1000"));
        GroupTestSupport.createTopic(broker.bootstrap(), "bad", 1);
        try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
            for (int i = 0; i < 5; i++)
                producer.send(new ProducerRecord<>("bad", "v" + i)).get();
        }
        // The first coordinator lookup creates __consumer_offsets; the admin client retries until it is served.
        try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            admin.listConsumerGroupOffsets("warm-up").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    private static byte[] subscription() {
        ByteBuffer buffer = ConsumerProtocol.serializeSubscription(new Subscription(List.of("bad")));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static JoinGroupRequest join(String group, String memberId, String instanceId, int sessionTimeoutMs,
                                         String protocolType, short version) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription()));
        return new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
            .setGroupInstanceId(instanceId).setSessionTimeoutMs(sessionTimeoutMs).setRebalanceTimeoutMs(30_000)
            .setProtocolType(protocolType).setProtocols(protocols)).build(version);
    }

    private static Errors commit(RawClient raw, String group, String memberId, int generation, long offset) throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
            .setGenerationIdOrMemberEpoch(generation).setTopics(List.of(new OffsetCommitRequestTopic().setName("bad")
                .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)
                    .setCommittedMetadata("bad")))));
        OffsetCommitResponse response = raw.call(new OffsetCommitRequest.Builder(data).build((short) 8));
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void commitsFromUnknownMembersAndOldGenerationsAreRefusedAndChangeNothing() throws Exception {
        Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), "bad-group");
        TopicPartition tp = new TopicPartition("bad", 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
             RawClient raw = new RawClient(broker.bootstrap())) {
            consumer.subscribe(List.of("bad"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.assignment().isEmpty() && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(100));
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(2, "good")));
            String memberId = consumer.groupMetadata().memberId();
            int generation = consumer.groupMetadata().generationId();
            assertTrue(generation >= 1);

            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(raw, "bad-group", "intruder", generation, 4));
            assertEquals(Errors.ILLEGAL_GENERATION, commit(raw, "bad-group", memberId, generation - 1, 4));
            assertEquals(Errors.ILLEGAL_GENERATION, commit(raw, "bad-group", memberId, generation + 5, 4));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, commit(raw, "bad-group", "", -1, 4),
                "an active group takes commits only from its members");
            assertEquals(Errors.ILLEGAL_GENERATION, commit(raw, "group-that-never-was", "someone", 3, 4));

            HeartbeatResponse heartbeat = raw.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId("bad-group").setMemberId("intruder").setGenerationId(generation)).build((short) 4));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat.error());
            heartbeat = raw.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId("bad-group").setMemberId(memberId).setGenerationId(generation - 1)).build((short) 4));
            assertEquals(Errors.ILLEGAL_GENERATION, heartbeat.error());
            SyncGroupResponse sync = raw.call(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId("bad-group")
                .setMemberId(memberId).setGenerationId(generation - 1).setProtocolType("consumer").setProtocolName("range")
                .setAssignments(List.of())).build((short) 5));
            assertEquals(Errors.ILLEGAL_GENERATION, sync.error());

            JoinGroupResponse badSession = raw.call(join("bad-group", "", null, 10, "consumer", (short) 9));
            assertEquals(Errors.INVALID_SESSION_TIMEOUT, badSession.error());
            JoinGroupResponse noGroup = raw.call(join("", "", null, 10_000, "consumer", (short) 9));
            assertEquals(Errors.INVALID_GROUP_ID, noGroup.error());
            JoinGroupResponse otherProtocol = raw.call(join("bad-group", "", null, 10_000, "connect", (short) 9));
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL, otherProtocol.error());

            OffsetAndMetadata committed = consumer.committed(Set.of(tp)).get(tp);
            assertEquals(2, committed.offset(), "refused commits changed nothing");
            assertEquals("good", committed.metadata());
            assertEquals(memberId, consumer.groupMetadata().memberId());
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(3, "still-good")));
            assertEquals(3, consumer.committed(Set.of(tp)).get(tp).offset(), "the real member still commits");
        }
    }

    @Test
    void staticMembersAreFencedByInstanceId() throws Exception {
        try (RawClient raw = new RawClient(broker.bootstrap())) {
            JoinGroupResponse joined = raw.call(join("static-raw", "", "instance-1", 10_000, "consumer", (short) 9));
            assertEquals(Errors.NONE, joined.error(), "static members need no MEMBER_ID_REQUIRED round");
            String memberId = joined.data().memberId();
            assertTrue(memberId.startsWith("instance-1-"), memberId);
            JoinGroupResponse imposter = raw.call(join("static-raw", "someone-else", "instance-1", 10_000, "consumer", (short) 9));
            assertEquals(Errors.FENCED_INSTANCE_ID, imposter.error());
            HeartbeatResponse heartbeat = raw.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId("static-raw").setMemberId("someone-else").setGroupInstanceId("instance-1")
                .setGenerationId(joined.data().generationId())).build((short) 4));
            assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat.error());
            // The same instance restarting (unknown member id) takes over; the old id is fenced.
            JoinGroupResponse restarted = raw.call(join("static-raw", "", "instance-1", 10_000, "consumer", (short) 9));
            assertEquals(Errors.NONE, restarted.error());
            heartbeat = raw.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                .setGroupId("static-raw").setMemberId(memberId).setGroupInstanceId("instance-1")
                .setGenerationId(joined.data().generationId())).build((short) 4));
            assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat.error());
        }
    }

    @Test
    void aThousandJoinsAgainstGroupMaxSizeAreRefusedCleanly() throws Exception {
        int clients = 4;
        int perClient = 250;
        List<RawClient> raws = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++)
                raws.add(new RawClient(broker.bootstrap()));
            // Round one (KIP-394): every unknown member gets an id and MEMBER_ID_REQUIRED.
            for (RawClient raw : raws) {
                for (int i = 0; i < perClient; i++)
                    raw.send(join("flood", "", null, 10_000, "consumer", (short) 9));
            }
            Map<RawClient, List<String>> ids = new HashMap<>();
            Set<String> distinct = new HashSet<>();
            for (RawClient raw : raws) {
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < perClient; i++) {
                    JoinGroupResponse response = raw.receive();
                    assertEquals(Errors.MEMBER_ID_REQUIRED, response.error());
                    mine.add(response.data().memberId());
                    distinct.add(response.data().memberId());
                }
                ids.put(raw, mine);
            }
            assertEquals(clients * perClient, distinct.size());
            // Round two: the first ten join, every other is refused with GROUP_MAX_SIZE_REACHED.
            for (RawClient raw : raws) {
                for (String id : ids.get(raw))
                    raw.send(join("flood", id, null, 10_000, "consumer", (short) 9));
            }
            Map<Errors, Integer> outcomes = new HashMap<>();
            for (RawClient raw : raws) {
                for (int i = 0; i < perClient; i++) {
                    JoinGroupResponse response = raw.receive();
                    outcomes.merge(response.error(), 1, Integer::sum);
                }
            }
            assertEquals(Map.of(Errors.NONE, MAX_SIZE, Errors.GROUP_MAX_SIZE_REACHED, clients * perClient - MAX_SIZE), outcomes);
        } finally {
            for (RawClient raw : raws)
                raw.close();
        }
        try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            ConsumerGroupDescription flood = admin.describeConsumerGroups(List.of("flood")).all().get(30, TimeUnit.SECONDS)
                .get("flood");
            assertEquals(MAX_SIZE, flood.members().size());
        }
        // The broker still serves groups.
        Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), "after-flood");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of("bad"));
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read < 5 && System.nanoTime() < deadline)
                read += consumer.poll(Duration.ofMillis(100)).count();
            assertEquals(5, read);
            consumer.commitSync();
        }
    }
}
