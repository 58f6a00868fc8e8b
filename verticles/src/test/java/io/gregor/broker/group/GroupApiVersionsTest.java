package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/**
 * Every version of every group API kafka-clients 3.9 speaks, on the wire: each is answered (no
 * UNSUPPORTED_VERSION, no dropped connection) with a body that decodes at its version. Plus the
 * batched forms: FindCoordinator v4+ with several keys, OffsetFetch v8+ with several groups.
 */
class GroupApiVersionsTest {
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3"));
        GroupTestSupport.createTopic(broker.bootstrap(), "versions", 1);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(GroupTestSupport.consumerProps(broker.bootstrap(),
            "committed-group"))) {
            consumer.assign(List.of(new TopicPartition("versions", 0)));
            consumer.commitSync(Map.of(new TopicPartition("versions", 0), new OffsetAndMetadata(0, "m")));
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    private static JoinGroupRequestProtocolCollection protocols() {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return protocols;
    }

    /** A well-formed request of {@code api} at {@code version}, about a group nobody is in. */
    private static AbstractRequest request(ApiKeys api, short version) {
        String group = "versions-group-" + api.id + "-" + version;
        return switch (api) {
            case FIND_COORDINATOR -> version < FindCoordinatorRequest.MIN_BATCHED_VERSION
                ? new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKey(group)).build(version)
                : new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setCoordinatorKeys(List.of(group)))
                    .build(version);
            case JOIN_GROUP -> new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId(group).setMemberId("")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                .setProtocols(protocols())).build(version);
            case SYNC_GROUP -> new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId(group).setMemberId("m")
                .setGenerationId(1).setProtocolType(version >= 5 ? "consumer" : null)
                .setProtocolName(version >= 5 ? "range" : null)).build(version);
            case HEARTBEAT -> new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(group).setMemberId("m")
                .setGenerationId(1)).build(version);
            case LEAVE_GROUP -> new LeaveGroupRequest.Builder(group, List.of(new MemberIdentity().setMemberId("m")))
                .build(version);
            case OFFSET_COMMIT -> new OffsetCommitRequest.Builder(new OffsetCommitRequestData().setGroupId(group)
                .setTopics(List.of(new OffsetCommitRequestTopic().setName("versions").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(0))))))
                .build(version);
            case OFFSET_FETCH -> new OffsetFetchRequest.Builder(group, false, List.of(new TopicPartition("versions", 0)),
                false).build(version);
            case DESCRIBE_GROUPS -> new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                .setGroups(List.of(group, "committed-group")).setIncludeAuthorizedOperations(version >= 3)).build(version);
            case LIST_GROUPS -> new ListGroupsRequest.Builder(new ListGroupsRequestData()).build(version);
            case DELETE_GROUPS -> new DeleteGroupsRequest.Builder(new DeleteGroupsRequestData().setGroupsNames(List.of(group)))
                .build(version);
            case OFFSET_DELETE -> {
                OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
                topics.add(new OffsetDeleteRequestTopic().setName("versions").setPartitions(List.of(
                    new OffsetDeleteRequestPartition().setPartitionIndex(0))));
                yield new OffsetDeleteRequest.Builder(new OffsetDeleteRequestData().setGroupId(group).setTopics(topics))
                    .build(version);
            }
            default -> throw new IllegalArgumentException(api.toString());
        };
    }

    @Test
    void everyVersionOfEveryGroupApiIsAnswered() throws Exception {
        List<ApiKeys> apis = List.of(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT,
            ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS,
            ApiKeys.DELETE_GROUPS, ApiKeys.OFFSET_DELETE);
        List<String> answered = new ArrayList<>();
        try (RawClient raw = new RawClient(broker.bootstrap())) {
            for (ApiKeys api : apis) {
                // Offset commit and fetch v0 kept offsets in ZooKeeper: not served, as the registry says.
                short oldest = (short) (api == ApiKeys.OFFSET_COMMIT || api == ApiKeys.OFFSET_FETCH ? 1 : 0);
                for (short version = oldest; version <= api.latestVersion(); version++) {
                    AbstractResponse response = raw.call(request(api, version));
                    Map<Errors, Integer> errors = response.errorCounts();
                    assertTrue(!errors.containsKey(Errors.UNSUPPORTED_VERSION) && !errors.containsKey(Errors.UNKNOWN_SERVER_ERROR),
                        api + " v" + version + ": " + response.data());
                    answered.add(api + " v" + version);
                }
            }
        }
        assertEquals(7 + 10 + 6 + 5 + 6 + 9 + 9 + 6 + 6 + 3 + 1, answered.size(), answered.toString());
    }

    @Test
    void describeGroupsOfAnUnknownGroupSaysDeadAndOfAKnownOneEmpty() throws Exception {
        try (RawClient raw = new RawClient(broker.bootstrap())) {
            DescribeGroupsResponse response = raw.call(request(ApiKeys.DESCRIBE_GROUPS, (short) 5));
            assertEquals("Dead", response.data().groups().get(0).groupState());
            assertEquals(Errors.NONE.code(), response.data().groups().get(0).errorCode());
            assertEquals("Empty", response.data().groups().get(1).groupState());
            assertNotEquals(Integer.MIN_VALUE, response.data().groups().get(1).authorizedOperations());
        }
    }

    @Test
    void findCoordinatorAnswersSeveralKeysAtOnce() throws Exception {
        try (RawClient raw = new RawClient(broker.bootstrap())) {
            FindCoordinatorResponse response = raw.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setKeyType((byte) 0).setCoordinatorKeys(List.of("a", "b", "c"))).build((short) 4));
            assertEquals(3, response.coordinators().size());
            for (var c : response.coordinators()) {
                assertEquals(Errors.NONE.code(), c.errorCode(), c.toString());
                assertEquals(0, c.nodeId());
                assertEquals(broker.bootstrap(), c.host() + ":" + c.port());
            }
            FindCoordinatorResponse transaction = raw.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setKeyType((byte) 1).setKey("txn")).build((short) 3));
            assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, transaction.error(), "no transaction coordinator yet");
        }
    }

    @Test
    void offsetFetchServesSeveralGroupsInOneRequest() throws Exception {
        try (RawClient raw = new RawClient(broker.bootstrap())) {
            Map<String, List<TopicPartition>> groups = new java.util.LinkedHashMap<>();
            groups.put("committed-group", List.of(new TopicPartition("versions", 0)));
            groups.put("never-committed", null);
            OffsetFetchResponse response = raw.call(new OffsetFetchRequest.Builder(groups, false, false).build((short) 8));
            assertEquals(2, response.data().groups().size());
            var committed = response.data().groups().get(0).topics().get(0).partitions().get(0);
            assertEquals(0, committed.committedOffset());
            assertEquals("m", committed.metadata());
            assertTrue(response.data().groups().get(1).topics().isEmpty());
        }
        // The admin client batches several groups the same way.
        try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            Map<String, ListConsumerGroupOffsetsSpec> specs = new TreeMap<>();
            specs.put("committed-group", new ListConsumerGroupOffsetsSpec());
            specs.put("never-committed", new ListConsumerGroupOffsetsSpec());
            Map<String, Map<TopicPartition, OffsetAndMetadata>> all = admin.listConsumerGroupOffsets(specs)
                .all().get(30, TimeUnit.SECONDS);
            assertEquals(0, all.get("committed-group").get(new TopicPartition("versions", 0)).offset());
            assertTrue(all.get("never-committed").isEmpty());
        }
    }
}
