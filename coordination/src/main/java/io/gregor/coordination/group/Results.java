package io.gregor.coordination.group;

import java.util.List;
import java.util.Map;

/** What the coordinator answers; the protocol layer turns these into response bodies. */
public final class Results {
    private Results() {
    }

    /** One member as the JoinGroup leader sees it. */
    public record JoinMember(String memberId, String groupInstanceId, byte[] metadata) {
    }

    /** A JoinGroup answer; protocolType and protocolName are null when unknown. */
    public record JoinResult(List<JoinMember> members, String memberId, int generationId, String protocolType,
                             String protocolName, String leaderId, boolean skipAssignment, GroupError error) {
        public static JoinResult error(String memberId, GroupError error) {
            return new JoinResult(List.of(), memberId, GroupCoordinator.NO_GENERATION, null, null,
                GroupCoordinator.NO_LEADER, false, error);
        }
    }

    /** A SyncGroup answer. */
    public record SyncResult(String protocolType, String protocolName, byte[] assignment, GroupError error) {
        public static SyncResult error(GroupError error) {
            return new SyncResult(null, null, new byte[0], error);
        }
    }

    /** Who leaves: a member id, or the empty member id with a group instance id (administrative removal). */
    public record LeavingMember(String memberId, String groupInstanceId, String reason) {
    }

    public record MemberLeaveResult(String memberId, String groupInstanceId, GroupError error) {
    }

    public record LeaveResult(GroupError error, List<MemberLeaveResult> members) {
    }

    public record MemberSummary(String memberId, String groupInstanceId, String clientId, String clientHost,
                                byte[] metadata, byte[] assignment) {
    }

    /** DescribeGroups: state "" with an error, "Dead" for an unknown group. */
    public record GroupSummary(GroupError error, String state, String protocolType, String protocol,
                               List<MemberSummary> members) {
    }

    public record GroupOverview(String groupId, String protocolType, String state) {
    }

    public record ListResult(GroupError error, List<GroupOverview> groups) {
    }

    /** One partition of an OffsetFetch answer: offset -1 and empty metadata when nothing is committed. */
    public record PartitionOffset(long offset, int leaderEpoch, String metadata, GroupError error) {
        public static final PartitionOffset NONE = new PartitionOffset(-1L, -1, "", GroupError.NONE);
    }

    /** OffsetFetch for one group: a group-level error, or the offsets in partition order. */
    public record FetchResult(GroupError error, Map<TopicPartitionId, PartitionOffset> offsets) {
    }

    /** OffsetDelete: a group-level error, or one error per partition. */
    public record OffsetDeleteResult(GroupError error, Map<TopicPartitionId, GroupError> partitions) {
    }
}
