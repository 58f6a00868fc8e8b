package io.gregor.coordination.group;

import java.util.List;

/**
 * What the coordinator writes to (and reads back from) its offsets partitions, in Kafka's terms:
 * offset commits and group metadata, each with its tombstone. The broker encodes them with
 * Kafka's {@code __consumer_offsets} key and value schemas.
 */
public sealed interface GroupRecord {
    String groupId();

    record OffsetCommitRecord(String groupId, TopicPartitionId partition, OffsetAndMetadata offset) implements GroupRecord {
    }

    record OffsetTombstone(String groupId, TopicPartitionId partition) implements GroupRecord {
    }

    record GroupMetadataRecord(String groupId, GroupMetadataSnapshot metadata) implements GroupRecord {
    }

    record GroupTombstone(String groupId) implements GroupRecord {
    }

    /** Group metadata value: {@code protocolType} "" for none, {@code protocol}/{@code leader} null when unset. */
    record GroupMetadataSnapshot(String protocolType, int generation, String protocol, String leader,
                                 long currentStateTimestamp, List<MemberSnapshot> members) {
    }

    record MemberSnapshot(String memberId, String groupInstanceId, String clientId, String clientHost,
                          int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /** A record read back while loading a partition, with its offset in the log. */
    record Loaded(long offset, GroupRecord record) {
    }
}
