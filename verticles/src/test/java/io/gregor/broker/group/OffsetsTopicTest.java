package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.junit.jupiter.api.Test;

import io.gregor.coordination.group.GroupRecord;
import io.gregor.coordination.group.GroupRecord.GroupMetadataRecord;
import io.gregor.coordination.group.GroupRecord.GroupMetadataSnapshot;
import io.gregor.coordination.group.GroupRecord.GroupTombstone;
import io.gregor.coordination.group.GroupRecord.Loaded;
import io.gregor.coordination.group.GroupRecord.MemberSnapshot;
import io.gregor.coordination.group.GroupRecord.OffsetCommitRecord;
import io.gregor.coordination.group.GroupRecord.OffsetTombstone;
import io.gregor.coordination.group.OffsetAndMetadata;
import io.gregor.coordination.group.TopicPartitionId;

/** The __consumer_offsets codec against Kafka's own schemas and versions. */
class OffsetsTopicTest {
    private static final TopicPartitionId TP = new TopicPartitionId("t", 3);

    @Test
    void recordsRoundTripInOneBatchWithKafkasVersions() {
        MemberSnapshot member = new MemberSnapshot("m-1", "instance", "client", "/127.0.0.1", 300000, 45000,
            new byte[] {1, 2}, new byte[] {3});
        List<GroupRecord> records = List.of(
            new OffsetCommitRecord("g", TP, new OffsetAndMetadata(42, 7, "meta", 1000, -1)),
            new OffsetCommitRecord("g", TP, new OffsetAndMetadata(43, -1, "", 1001, 99999)),
            new GroupMetadataRecord("g", new GroupMetadataSnapshot("consumer", 3, "range", "m-1", 1234, List.of(member))),
            new OffsetTombstone("g", TP),
            new GroupTombstone("g"));
        ByteBuffer batch = OffsetsTopic.encode(records, 5000);

        MutableRecordBatch only = MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
        assertEquals(RecordBatch.MAGIC_VALUE_V2, only.magic());
        assertEquals(5, only.countOrNull());
        List<Short> keyVersions = new ArrayList<>();
        List<Short> valueVersions = new ArrayList<>();
        only.forEach(r -> {
            keyVersions.add(r.key().getShort(0));
            valueVersions.add(r.hasValue() ? r.value().getShort(0) : null);
        });
        assertEquals(List.of((short) 1, (short) 1, (short) 2, (short) 1, (short) 2), keyVersions);
        assertEquals(java.util.Arrays.asList((short) 3, (short) 1, (short) 3, null, null), valueVersions);

        List<Loaded> decoded = new ArrayList<>();
        long next = OffsetsTopic.decode(batch.duplicate(), 0, decoded);
        assertEquals(5, next);
        assertEquals(records.get(0), decoded.get(0).record());
        assertEquals(records.get(1), decoded.get(1).record());
        GroupMetadataRecord group = assertInstanceOf(GroupMetadataRecord.class, decoded.get(2).record());
        assertEquals("range", group.metadata().protocol());
        assertEquals(1234, group.metadata().currentStateTimestamp());
        MemberSnapshot m = group.metadata().members().get(0);
        assertEquals("instance", m.groupInstanceId());
        assertEquals(300000, m.rebalanceTimeoutMs());
        assertArrayEquals(new byte[] {3}, m.assignment());
        assertEquals(records.get(3), decoded.get(3).record());
        assertEquals(records.get(4), decoded.get(4).record());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), decoded.stream().map(Loaded::offset).toList());
    }

    @Test
    void oldValueVersionsAndForeignKeysDecode() {
        ByteBuffer key = MessageUtil.toVersionPrefixedByteBuffer((short) 0,
            new org.apache.kafka.coordinator.group.generated.OffsetCommitKey().setGroup("g").setTopic("t").setPartition(3));
        ByteBuffer v0 = MessageUtil.toVersionPrefixedByteBuffer((short) 0,
            new OffsetCommitValue().setOffset(5).setMetadata("old").setCommitTimestamp(10));
        OffsetCommitRecord decoded = assertInstanceOf(OffsetCommitRecord.class, OffsetsTopic.decode(key, v0));
        assertEquals(new OffsetAndMetadata(5, -1, "old", 10, -1), decoded.offset());
        // Records of the new consumer protocol (key version 3+) are not the classic coordinator's.
        ByteBuffer newProtocol = MessageUtil.toVersionPrefixedByteBuffer((short) 3, new GroupMetadataKey().setGroup("g"));
        assertNull(OffsetsTopic.decode(newProtocol, null));
    }

    @Test
    void subscriptionTopicsParseAnyConsumerProtocolVersion() {
        ByteBuffer subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of("a", "b")), (short) 3);
        byte[] bytes = new byte[subscription.remaining()];
        subscription.get(bytes);
        assertEquals(Set.of("a", "b"), OffsetsTopic.subscriptionTopics(bytes));
        assertNull(OffsetsTopic.subscriptionTopics(new byte[] {1}));
    }
}
