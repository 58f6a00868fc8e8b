package io.gregor.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

/**
 * {@code __consumer_offsets} records with Kafka's key and value schemas (the generated classes
 * of kafka-group-coordinator), versioned as Kafka 3.9 writes them: offset commit key v1 and
 * value v3 (v1 when an expire timestamp is set), group metadata key v2 and value v3. So
 * {@code kafka-dump-log --offsets-decoder} reads what Gregor writes, and Gregor loads what Kafka
 * wrote.
 */
public final class OffsetsTopic {
    private static final Logger log = LoggerFactory.getLogger(OffsetsTopic.class);

    public static final String NAME = Topic.GROUP_METADATA_TOPIC_NAME;
    static final short OFFSET_COMMIT_KEY_VERSION = 1;
    static final short GROUP_METADATA_KEY_VERSION = 2;
    static final short OFFSET_COMMIT_VALUE_VERSION = 3;
    static final short OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRE = 1;
    static final short GROUP_METADATA_VALUE_VERSION = 3;

    private OffsetsTopic() {
    }

    /** One batch (magic 2, no compression, create time) with the records in order; tombstones have null values. */
    public static ByteBuffer encode(List<GroupRecord> records, long timestamp) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512), RecordBatch.CURRENT_MAGIC_VALUE,
            Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (GroupRecord record : records)
            builder.append(timestamp, key(record), value(record));
        return builder.build().buffer();
    }

    static byte[] key(GroupRecord record) {
        if (record instanceof OffsetCommitRecord c)
            return offsetKey(c.groupId(), c.partition());
        if (record instanceof OffsetTombstone t)
            return offsetKey(t.groupId(), t.partition());
        return MessageUtil.toVersionPrefixedBytes(GROUP_METADATA_KEY_VERSION, new GroupMetadataKey().setGroup(record.groupId()));
    }

    private static byte[] offsetKey(String groupId, TopicPartitionId tp) {
        return MessageUtil.toVersionPrefixedBytes(OFFSET_COMMIT_KEY_VERSION,
            new OffsetCommitKey().setGroup(groupId).setTopic(tp.topic()).setPartition(tp.partition()));
    }

    static byte[] value(GroupRecord record) {
        if (record instanceof OffsetCommitRecord c) {
            OffsetAndMetadata o = c.offset();
            short version = o.hasExpireTimestamp() ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRE : OFFSET_COMMIT_VALUE_VERSION;
            OffsetCommitValue value = new OffsetCommitValue().setOffset(o.offset()).setMetadata(o.metadata())
                .setCommitTimestamp(o.commitTimestamp()).setLeaderEpoch(o.leaderEpoch())
                .setExpireTimestamp(o.expireTimestamp());
            return MessageUtil.toVersionPrefixedBytes(version, value);
        }
        if (record instanceof GroupMetadataRecord g) {
            GroupMetadataSnapshot s = g.metadata();
            List<GroupMetadataValue.MemberMetadata> members = new ArrayList<>();
            for (MemberSnapshot m : s.members()) {
                members.add(new GroupMetadataValue.MemberMetadata().setMemberId(m.memberId())
                    .setGroupInstanceId(m.groupInstanceId()).setClientId(m.clientId()).setClientHost(m.clientHost())
                    .setSessionTimeout(m.sessionTimeoutMs()).setRebalanceTimeout(m.rebalanceTimeoutMs())
                    .setSubscription(m.subscription()).setAssignment(m.assignment()));
            }
            GroupMetadataValue value = new GroupMetadataValue().setProtocolType(s.protocolType())
                .setGeneration(s.generation()).setProtocol(s.protocol()).setLeader(s.leader())
                .setCurrentStateTimestamp(s.currentStateTimestamp()).setMembers(members);
            return MessageUtil.toVersionPrefixedBytes(GROUP_METADATA_VALUE_VERSION, value);
        }
        return null;
    }

    /**
     * Decodes the batches read while loading, skipping records before {@code from}, control and
     * transactional batches and keys of other record types. Returns the offset after the last batch.
     */
    static long decode(ByteBuffer batches, long from, List<Loaded> out) {
        long next = from;
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches).batches()) {
            next = Math.max(next, batch.lastOffset() + 1);
            if (batch.isControlBatch() || batch.isTransactional())
                continue;
            for (Record record : batch) {
                if (record.offset() < from || !record.hasKey())
                    continue;
                GroupRecord decoded = decode(record.key(), record.hasValue() ? record.value() : null);
                if (decoded != null)
                    out.add(new Loaded(record.offset(), decoded));
            }
        }
        return next;
    }

    static GroupRecord decode(ByteBuffer key, ByteBuffer value) {
        try {
            short keyVersion = key.getShort();
            if (keyVersion == 0 || keyVersion == 1) {
                OffsetCommitKey k = new OffsetCommitKey(new ByteBufferAccessor(key), keyVersion);
                TopicPartitionId tp = new TopicPartitionId(k.topic(), k.partition());
                if (value == null)
                    return new OffsetTombstone(k.group(), tp);
                short version = value.getShort();
                if (version < OffsetCommitValue.LOWEST_SUPPORTED_VERSION || version > OffsetCommitValue.HIGHEST_SUPPORTED_VERSION)
                    return null;
                OffsetCommitValue v = new OffsetCommitValue(new ByteBufferAccessor(value), version);
                return new OffsetCommitRecord(k.group(), tp, new OffsetAndMetadata(v.offset(), v.leaderEpoch(),
                    v.metadata(), v.commitTimestamp(), version == 1 ? v.expireTimestamp() : OffsetAndMetadata.NO_EXPIRE_TIMESTAMP));
            }
            if (keyVersion == 2) {
                GroupMetadataKey k = new GroupMetadataKey(new ByteBufferAccessor(key), keyVersion);
                if (value == null)
                    return new GroupTombstone(k.group());
                short version = value.getShort();
                if (version < GroupMetadataValue.LOWEST_SUPPORTED_VERSION || version > GroupMetadataValue.HIGHEST_SUPPORTED_VERSION)
                    return null;
                GroupMetadataValue v = new GroupMetadataValue(new ByteBufferAccessor(value), version);
                List<MemberSnapshot> members = new ArrayList<>();
                for (GroupMetadataValue.MemberMetadata m : v.members()) {
                    int rebalanceTimeout = version == 0 ? m.sessionTimeout() : m.rebalanceTimeout();
                    members.add(new MemberSnapshot(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                        rebalanceTimeout, m.sessionTimeout(), m.subscription(), m.assignment()));
                }
                long stateTimestamp = version >= 2 ? v.currentStateTimestamp() : -1L;
                return new GroupMetadataRecord(k.group(), new GroupMetadataSnapshot(v.protocolType(), v.generation(),
                    v.protocol(), v.leader(), stateTimestamp, members));
            }
            // Records of the new consumer group protocol (key versions 3+) are not ours to load.
            return null;
        } catch (RuntimeException e) {
            log.warn("Skipping an undecodable record in {}: {}", NAME, e.toString());
            return null;
        }
    }

    /** The topics of a consumer-protocol subscription (parsed as v0, the prefix of every version), or null. */
    static Set<String> subscriptionTopics(byte[] metadata) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(metadata);
            ConsumerProtocol.deserializeVersion(buffer);
            return new HashSet<>(ConsumerProtocol.deserializeSubscription(buffer, (short) 0).topics());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
