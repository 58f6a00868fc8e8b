package io.gregor.coordination.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

import io.gregor.coordination.group.Results.GroupOverview;
import io.gregor.coordination.group.Results.GroupSummary;
import io.gregor.coordination.group.Results.JoinMember;
import io.gregor.coordination.group.Results.JoinResult;
import io.gregor.coordination.group.Results.MemberSummary;
import io.gregor.coordination.group.Results.SyncResult;

/**
 * One classic group (Kafka's GroupMetadata): membership, state, generation, leader, and its
 * committed offsets. Not thread safe: only the coordinator's thread touches it.
 */
public final class Group {
    /** A committed offset and the offset of the record that carries it in the offsets topic (-1: not yet known). */
    record CommitRecord(long recordOffset, OffsetAndMetadata offsetAndMetadata) {
        boolean olderThan(CommitRecord other) {
            return recordOffset < other.recordOffset;
        }
    }

    private final String groupId;
    private final int offsetsPartition;
    private GroupState state;
    private long currentStateTimestamp;
    private String protocolType;
    private String protocolName;
    private int generationId;
    private String leaderId;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Set<String> pendingMembers = new LinkedHashSet<>();
    final Map<String, GroupScheduler.Cancellable> pendingMemberTimers = new HashMap<>();
    private int numMembersAwaitingJoin;
    private final Map<String, Integer> supportedProtocols = new HashMap<>();
    private final Map<TopicPartitionId, CommitRecord> offsets = new HashMap<>();
    private final Map<TopicPartitionId, OffsetAndMetadata> pendingOffsetCommits = new HashMap<>();
    private final Set<String> pendingSyncMembers = new HashSet<>();
    private Set<String> subscribedTopics;
    boolean newMemberAdded;
    /** The rebalance (join) timer and whether it is the initial delayed join with the time still left after it. */
    GroupScheduler.Cancellable joinTimer;
    boolean joinTimerInitial;
    GroupScheduler.Cancellable syncTimer;

    Group(String groupId, int offsetsPartition, GroupState initialState, long nowMs) {
        this.groupId = groupId;
        this.offsetsPartition = offsetsPartition;
        this.state = initialState;
        this.currentStateTimestamp = nowMs;
    }

    public String groupId() {
        return groupId;
    }

    public int offsetsPartition() {
        return offsetsPartition;
    }

    public GroupState state() {
        return state;
    }

    public boolean is(GroupState s) {
        return state == s;
    }

    public int generationId() {
        return generationId;
    }

    public String protocolType() {
        return protocolType;
    }

    public String protocolName() {
        return protocolName;
    }

    public String leaderOrNull() {
        return leaderId;
    }

    public long currentStateTimestamp() {
        return currentStateTimestamp;
    }

    public int size() {
        return members.size();
    }

    public boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    public Member get(String memberId) {
        return members.get(memberId);
    }

    public Collection<Member> allMembers() {
        return new ArrayList<>(members.values());
    }

    Set<String> allMemberIds() {
        return new LinkedHashSet<>(members.keySet());
    }

    boolean isLeader(String memberId) {
        return memberId != null && memberId.equals(leaderId);
    }

    boolean isConsumerGroup() {
        return GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(protocolType);
    }

    void add(Member member, Consumer<JoinResult> callback) {
        if (member.groupInstanceId != null) {
            if (staticMembers.containsKey(member.groupInstanceId))
                throw new IllegalStateException("Static member with groupInstanceId=" + member.groupInstanceId
                    + " cannot be added to group " + groupId + " since it is already a member");
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (members.isEmpty())
            protocolType = member.protocolType;
        if (leaderId == null)
            leaderId = member.memberId;
        members.put(member.memberId, member);
        member.supportedProtocols.forEach(p -> supportedProtocols.merge(p.name(), 1, Integer::sum));
        member.awaitingJoin = callback;
        if (member.isAwaitingJoin())
            numMembersAwaitingJoin++;
        pendingMembers.remove(member.memberId);
    }

    void remove(String memberId) {
        Member member = members.remove(memberId);
        if (member != null) {
            member.supportedProtocols.forEach(p -> supportedProtocols.merge(p.name(), -1, Integer::sum));
            if (member.isAwaitingJoin())
                numMembersAwaitingJoin--;
            if (member.groupInstanceId != null)
                staticMembers.remove(member.groupInstanceId);
        }
        if (isLeader(memberId))
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        pendingMembers.remove(memberId);
        pendingSyncMembers.remove(memberId);
    }

    /** Keeps the leader if it rejoined, else picks any member that did; false if none did (or no leader). */
    boolean maybeElectNewJoinedLeader() {
        if (leaderId == null)
            return false;
        Member leader = members.get(leaderId);
        if (leader != null && leader.isAwaitingJoin())
            return true;
        for (Member m : members.values()) {
            if (m.isAwaitingJoin()) {
                leaderId = m.memberId;
                return true;
            }
        }
        return false;
    }

    /** Static membership: the same instance under a new member id, fencing whatever the old id had parked. */
    Member replaceStaticMember(String groupInstanceId, String oldMemberId, String newMemberId) {
        Member member = members.remove(oldMemberId);
        if (member == null)
            throw new IllegalArgumentException("Cannot replace non-existing member id " + oldMemberId);
        maybeInvokeJoinCallback(member, JoinResult.error(oldMemberId, GroupError.FENCED_INSTANCE_ID));
        maybeInvokeSyncCallback(member, SyncResult.error(GroupError.FENCED_INSTANCE_ID));
        member.memberId = newMemberId;
        members.put(newMemberId, member);
        if (isLeader(oldMemberId))
            leaderId = newMemberId;
        staticMembers.put(groupInstanceId, newMemberId);
        return member;
    }

    boolean isPendingMember(String memberId) {
        return pendingMembers.contains(memberId);
    }

    void addPendingMember(String memberId) {
        if (has(memberId))
            throw new IllegalStateException("Attempt to add pending member " + memberId + " which is already a member");
        pendingMembers.add(memberId);
    }

    int numPending() {
        return pendingMembers.size();
    }

    void addPendingSyncMember(String memberId) {
        pendingSyncMembers.add(memberId);
    }

    void removePendingSyncMember(String memberId) {
        pendingSyncMembers.remove(memberId);
    }

    boolean hasReceivedSyncFromAllMembers() {
        return pendingSyncMembers.isEmpty();
    }

    Set<String> allPendingSyncMembers() {
        return new HashSet<>(pendingSyncMembers);
    }

    void clearPendingSyncMembers() {
        pendingSyncMembers.clear();
    }

    public boolean hasStaticMember(String groupInstanceId) {
        return groupInstanceId != null && staticMembers.containsKey(groupInstanceId);
    }

    public String currentStaticMemberId(String groupInstanceId) {
        return groupInstanceId == null ? null : staticMembers.get(groupInstanceId);
    }

    int numStaticMembers() {
        return staticMembers.size();
    }

    List<Member> notYetRejoinedMembers() {
        List<Member> result = new ArrayList<>();
        for (Member m : members.values()) {
            if (!m.isAwaitingJoin())
                result.add(m);
        }
        return result;
    }

    boolean hasAllMembersJoined() {
        return members.size() == numMembersAwaitingJoin && pendingMembers.isEmpty();
    }

    int numAwaiting() {
        return numMembersAwaitingJoin;
    }

    int rebalanceTimeoutMs() {
        int timeout = 0;
        for (Member m : members.values())
            timeout = Math.max(timeout, m.rebalanceTimeoutMs);
        return timeout;
    }

    String generateMemberId(String clientId, String groupInstanceId) {
        return (groupInstanceId != null ? groupInstanceId : clientId) + "-" + UUID.randomUUID();
    }

    boolean canRebalance() {
        return GroupState.PREPARING_REBALANCE.validPreviousStates().contains(state);
    }

    void transitionTo(GroupState target, long nowMs) {
        if (!target.validPreviousStates().contains(state))
            throw new IllegalStateException("Group " + groupId + " should be in the " + target.validPreviousStates()
                + " states before moving to " + target + " state. Instead it is in " + state + " state");
        state = target;
        currentStateTimestamp = nowMs;
    }

    /** The protocol every member supports that most members prefer. */
    String selectProtocol() {
        if (members.isEmpty())
            throw new IllegalStateException("Cannot select protocol for empty group");
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member m : members.values())
            votes.merge(m.vote(candidates), 1, Integer::sum);
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    private Set<String> candidateProtocols() {
        Set<String> candidates = new HashSet<>();
        int n = members.size();
        supportedProtocols.forEach((name, count) -> {
            if (count == n)
                candidates.add(name);
        });
        return candidates;
    }

    boolean supportsProtocols(String memberProtocolType, List<Protocol> memberProtocols) {
        if (is(GroupState.EMPTY))
            return memberProtocolType != null && !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
        if (!memberProtocolType.equals(protocolType))
            return false;
        for (Protocol p : memberProtocols) {
            if (supportedProtocols.getOrDefault(p.name(), 0) == members.size())
                return true;
        }
        return false;
    }

    /** Null when unknown (not a consumer group, or an unparseable subscription): then it counts as subscribed to everything. */
    Set<String> subscribedTopics() {
        return subscribedTopics;
    }

    boolean isSubscribedToTopic(String topic) {
        return subscribedTopics == null || subscribedTopics.contains(topic);
    }

    void computeSubscribedTopics(Function<byte[], Set<String>> parser) {
        if (!GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(protocolType)) {
            subscribedTopics = null;
        } else if (members.isEmpty()) {
            subscribedTopics = Set.of();
        } else if (protocolName == null) {
            subscribedTopics = null;
        } else {
            Set<String> topics = new HashSet<>();
            for (Member m : members.values()) {
                Set<String> memberTopics = parser.apply(m.metadata(protocolName));
                if (memberTopics == null) {
                    subscribedTopics = null;
                    return;
                }
                topics.addAll(memberTopics);
            }
            subscribedTopics = topics;
        }
    }

    void updateMember(Member member, List<Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs,
                      Consumer<JoinResult> callback) {
        member.supportedProtocols.forEach(p -> supportedProtocols.merge(p.name(), -1, Integer::sum));
        member.supportedProtocols = List.copyOf(protocols);
        member.supportedProtocols.forEach(p -> supportedProtocols.merge(p.name(), 1, Integer::sum));
        member.rebalanceTimeoutMs = rebalanceTimeoutMs;
        member.sessionTimeoutMs = sessionTimeoutMs;
        if (callback != null && !member.isAwaitingJoin())
            numMembersAwaitingJoin++;
        else if (callback == null && member.isAwaitingJoin())
            numMembersAwaitingJoin--;
        member.awaitingJoin = callback;
    }

    void maybeInvokeJoinCallback(Member member, JoinResult result) {
        if (member.isAwaitingJoin()) {
            Consumer<JoinResult> callback = member.awaitingJoin;
            member.awaitingJoin = null;
            numMembersAwaitingJoin--;
            callback.accept(result);
        }
    }

    /** True if a parked SyncGroup was answered. */
    boolean maybeInvokeSyncCallback(Member member, SyncResult result) {
        if (member.isAwaitingSync()) {
            Consumer<SyncResult> callback = member.awaitingSync;
            member.awaitingSync = null;
            callback.accept(result);
            return true;
        }
        return false;
    }

    void initNextGeneration(long nowMs, Function<byte[], Set<String>> parser) {
        generationId++;
        if (!members.isEmpty()) {
            protocolName = selectProtocol();
            computeSubscribedTopics(parser);
            transitionTo(GroupState.COMPLETING_REBALANCE, nowMs);
        } else {
            protocolName = null;
            computeSubscribedTopics(parser);
            transitionTo(GroupState.EMPTY, nowMs);
        }
        clearPendingSyncMembers();
    }

    List<JoinMember> currentMemberMetadata() {
        if (is(GroupState.DEAD) || is(GroupState.PREPARING_REBALANCE))
            throw new IllegalStateException("Cannot obtain member metadata for group in state " + state);
        List<JoinMember> result = new ArrayList<>();
        for (Member m : members.values())
            result.add(new JoinMember(m.memberId, m.groupInstanceId, m.metadata(protocolName)));
        return result;
    }

    GroupSummary summary() {
        List<MemberSummary> summaries = new ArrayList<>();
        if (is(GroupState.STABLE)) {
            for (Member m : members.values())
                summaries.add(m.summary(protocolName));
            return new GroupSummary(GroupError.NONE, state.kafkaName(), protocolType == null ? "" : protocolType,
                protocolName, summaries);
        }
        for (Member m : members.values())
            summaries.add(m.summaryNoMetadata());
        return new GroupSummary(GroupError.NONE, state.kafkaName(), protocolType == null ? "" : protocolType, "", summaries);
    }

    GroupOverview overview() {
        return new GroupOverview(groupId, protocolType == null ? "" : protocolType, state.kafkaName());
    }

    // ------------------------------------------------------------------ loading

    void restore(int generationId, String protocolType, String protocolName, String leaderId, long currentStateTimestamp) {
        this.generationId = generationId;
        this.protocolType = protocolType == null || protocolType.isEmpty() ? null : protocolType;
        this.protocolName = protocolName;
        this.leaderId = leaderId;
        this.currentStateTimestamp = currentStateTimestamp;
    }

    void initializeOffsets(Map<TopicPartitionId, CommitRecord> loaded) {
        offsets.putAll(loaded);
    }

    // ------------------------------------------------------------------ offsets

    void prepareOffsetCommit(Map<TopicPartitionId, OffsetAndMetadata> commits) {
        pendingOffsetCommits.putAll(commits);
    }

    void onOffsetCommitAppend(TopicPartitionId tp, CommitRecord record) {
        if (pendingOffsetCommits.containsKey(tp)) {
            CommitRecord current = offsets.get(tp);
            if (current == null || current.olderThan(record))
                offsets.put(tp, record);
        }
        OffsetAndMetadata staged = pendingOffsetCommits.get(tp);
        if (staged != null && staged.equals(record.offsetAndMetadata()))
            pendingOffsetCommits.remove(tp);
    }

    void failPendingOffsetWrite(TopicPartitionId tp, OffsetAndMetadata offset) {
        OffsetAndMetadata staged = pendingOffsetCommits.get(tp);
        if (staged != null && staged.equals(offset))
            pendingOffsetCommits.remove(tp);
    }

    boolean hasPendingOffsetCommitsForTopicPartition(TopicPartitionId tp) {
        return pendingOffsetCommits.containsKey(tp);
    }

    Map<TopicPartitionId, OffsetAndMetadata> removeOffsets(Collection<TopicPartitionId> partitions) {
        Map<TopicPartitionId, OffsetAndMetadata> removed = new TreeMap<>();
        for (TopicPartitionId tp : partitions) {
            pendingOffsetCommits.remove(tp);
            CommitRecord r = offsets.remove(tp);
            if (r != null)
                removed.put(tp, r.offsetAndMetadata());
        }
        return removed;
    }

    Map<TopicPartitionId, OffsetAndMetadata> removeAllOffsets() {
        return removeOffsets(new ArrayList<>(offsets.keySet()));
    }

    /** Kafka's expiration rules: by group state for empty groups, by commit time for stable consumer groups and simple groups. */
    Map<TopicPartitionId, OffsetAndMetadata> removeExpiredOffsets(long nowMs, long retentionMs) {
        Map<TopicPartitionId, OffsetAndMetadata> expired = new TreeMap<>();
        Set<String> keepTopics;
        boolean byStateTime;
        if (protocolType != null && is(GroupState.EMPTY)) {
            keepTopics = Set.of();
            byStateTime = true;
        } else if (isConsumerGroup() && subscribedTopics != null && is(GroupState.STABLE)) {
            keepTopics = subscribedTopics;
            byStateTime = false;
        } else if (protocolType == null) {
            keepTopics = Set.of();
            byStateTime = false;
        } else {
            return expired;
        }
        for (Map.Entry<TopicPartitionId, CommitRecord> e : offsets.entrySet()) {
            TopicPartitionId tp = e.getKey();
            OffsetAndMetadata o = e.getValue().offsetAndMetadata();
            if (keepTopics.contains(tp.topic()) || pendingOffsetCommits.containsKey(tp))
                continue;
            boolean isExpired;
            if (o.hasExpireTimestamp()) {
                isExpired = nowMs >= o.expireTimestamp();
            } else {
                long base = byStateTime && currentStateTimestamp >= 0 ? currentStateTimestamp : o.commitTimestamp();
                isExpired = nowMs - base >= retentionMs;
            }
            if (isExpired)
                expired.put(tp, o);
        }
        expired.keySet().forEach(offsets::remove);
        return expired;
    }

    public Map<TopicPartitionId, OffsetAndMetadata> allOffsets() {
        Map<TopicPartitionId, OffsetAndMetadata> all = new TreeMap<>();
        offsets.forEach((tp, r) -> all.put(tp, r.offsetAndMetadata()));
        return all;
    }

    public OffsetAndMetadata offset(TopicPartitionId tp) {
        CommitRecord r = offsets.get(tp);
        return r == null ? null : r.offsetAndMetadata();
    }

    public boolean hasOffsets() {
        return !offsets.isEmpty() || !pendingOffsetCommits.isEmpty();
    }

    @Override
    public String toString() {
        return "Group(groupId=" + groupId + ", generation=" + generationId + ", protocolType=" + protocolType
            + ", state=" + state + ", members=" + members.values() + ")";
    }
}
