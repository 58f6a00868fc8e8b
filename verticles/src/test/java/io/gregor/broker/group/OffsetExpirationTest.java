package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/**
 * The periodic expiration (offsets.retention.check.interval.ms) end to end: an offset committed
 * with a per-commit retention (OffsetCommit v2-v4) expires, its empty group goes away, the
 * tombstones keep it gone across a restart, and other groups' offsets stay.
 */
class OffsetExpirationTest {
    private static Map<TopicPartition, OffsetAndMetadata> offsets(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    }

    @Test
    void expiredOffsetsOfAnEmptyGroupAreRemovedAndStayRemoved() throws Exception {
        try (TestBroker broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3",
            "offsets.retention.check.interval.ms", "200"))) {
            GroupTestSupport.createTopic(broker.bootstrap(), "expiring", 1);
            TopicPartition tp = new TopicPartition("expiring", 0);
            try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
                admin.alterConsumerGroupOffsets("kept", Map.of(tp, new OffsetAndMetadata(9))).all().get(30, TimeUnit.SECONDS);
                try (RawClient raw = new RawClient(broker.bootstrap())) {
                    OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId("short-lived")
                        .setRetentionTimeMs(1000).setTopics(List.of(new OffsetCommitRequestTopic().setName("expiring")
                            .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0)
                                .setCommittedOffset(5).setCommittedMetadata("soon gone")))));
                    OffsetCommitResponse response = raw.call(new OffsetCommitRequest.Builder(data).build((short) 2));
                    assertEquals(Errors.NONE.code(), response.data().topics().get(0).partitions().get(0).errorCode());
                }
                assertEquals(5, offsets(admin, "short-lived").get(tp).offset());
                assertTrue(GroupTestSupport.await(Duration.ofSeconds(20), () -> {
                    try {
                        return offsets(admin, "short-lived").isEmpty();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }), "the offset expired");
                List<String> groups = admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(ConsumerGroupListing::groupId).toList();
                assertFalse(groups.contains("short-lived"), groups.toString());
                assertTrue(groups.contains("kept"), groups.toString());
            }
            broker.restart();
            try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
                assertTrue(offsets(admin, "short-lived").isEmpty(), "the tombstone survives the restart");
                assertEquals(9, offsets(admin, "kept").get(tp).offset());
            }
        }
    }
}
