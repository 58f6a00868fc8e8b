package io.gregor.coordination.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.coordination.group.Group.CommitRecord;
import io.gregor.coordination.group.GroupRecord.GroupMetadataRecord;
import io.gregor.coordination.group.GroupRecord.GroupMetadataSnapshot;
import io.gregor.coordination.group.GroupRecord.GroupTombstone;
import io.gregor.coordination.group.GroupRecord.Loaded;
import io.gregor.coordination.group.GroupRecord.MemberSnapshot;
import io.gregor.coordination.group.GroupRecord.OffsetCommitRecord;
import io.gregor.coordination.group.GroupRecord.OffsetTombstone;
import io.gregor.coordination.group.Results.FetchResult;
import io.gregor.coordination.group.Results.GroupOverview;
import io.gregor.coordination.group.Results.GroupSummary;
import io.gregor.coordination.group.Results.JoinResult;
import io.gregor.coordination.group.Results.LeaveResult;
import io.gregor.coordination.group.Results.LeavingMember;
import io.gregor.coordination.group.Results.ListResult;
import io.gregor.coordination.group.Results.MemberLeaveResult;
import io.gregor.coordination.group.Results.OffsetDeleteResult;
import io.gregor.coordination.group.Results.PartitionOffset;
import io.gregor.coordination.group.Results.SyncResult;

/**
 * The classic group coordinator: membership, rebalances and committed offsets of the groups
 * whose {@code __consumer_offsets} partition this broker leads. Pure logic, as Kafka's
 * GroupCoordinator and GroupMetadataManager behave: time and timers come from the
 * {@link GroupScheduler}, writes go to the {@link GroupLog}, answers go to callbacks (a JoinGroup
 * or SyncGroup answer may come much later, when the rebalance completes).
 *
 * <p>Single threaded: every call, timer and log callback runs on the same thread, so nothing
 * here takes a lock.
 */
public final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    public static final String UNKNOWN_MEMBER_ID = "";
    public static final int NO_GENERATION = -1;
    public static final String NO_LEADER = "";
    public static final String CONSUMER_PROTOCOL_TYPE = "consumer";

    /** How this broker stands toward one offsets partition. */
    public enum PartitionStatus {
        NOT_OWNED, LOADING, LOADED
    }

    private final GroupCoordinatorConfig config;
    private final GroupScheduler scheduler;
    private final GroupLog groupLog;
    private final Function<byte[], Set<String>> subscriptionParser;
    private final Map<String, Group> groups = new HashMap<>();
    private final Map<Integer, PartitionStatus> partitions = new HashMap<>();
    private int partitionCount;
    private boolean active = true;

    /**
     * @param subscriptionParser the topics of a consumer-protocol subscription, or null if it cannot
     *                           be parsed (then the group counts as subscribed to every topic)
     */
    public GroupCoordinator(GroupCoordinatorConfig config, GroupScheduler scheduler, GroupLog groupLog,
                            Function<byte[], Set<String>> subscriptionParser, int partitionCount) {
        this.config = config;
        this.scheduler = scheduler;
        this.groupLog = groupLog;
        this.subscriptionParser = subscriptionParser;
        this.partitionCount = partitionCount;
    }

    public GroupCoordinatorConfig config() {
        return config;
    }

    // ================================================================== partitions

    /** Kafka's rule: {@code Utils.abs(groupId.hashCode) % partitions}. */
    public static int partitionFor(String groupId, int partitions) {
        int h = groupId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId, partitionCount);
    }

    public int partitionCount() {
        return partitionCount;
    }

    /** The offsets topic as it exists (its partition count wins over the configured one). */
    public void setPartitionCount(int count) {
        if (count != partitionCount && !partitions.isEmpty())
            throw new IllegalStateException("Cannot change the offsets partition count from " + partitionCount
                + " to " + count + " while partitions are owned");
        partitionCount = count;
    }

    public PartitionStatus partitionStatus(int partition) {
        return partitions.getOrDefault(partition, PartitionStatus.NOT_OWNED);
    }

    public boolean isLoading() {
        return partitions.containsValue(PartitionStatus.LOADING);
    }

    /** Became leader of an offsets partition: requests for its groups answer LOAD_IN_PROGRESS until {@link #completeLoad}. */
    public void beginLoad(int partition) {
        partitions.put(partition, PartitionStatus.LOADING);
    }

    /** The load failed: the partition is not owned, a later request or election retries. */
    public void abortLoad(int partition) {
        if (partitions.get(partition) == PartitionStatus.LOADING)
            partitions.remove(partition);
    }

    /**
     * Rebuilds the groups and offsets of a partition from its records, in log order (Kafka's
     * GroupMetadataManager.doLoadGroupsAndOffsets), then serves them.
     */
    public void completeLoad(int partition, List<Loaded> records) {
        if (partitions.get(partition) != PartitionStatus.LOADING)
            return;
        record GroupTp(String groupId, TopicPartitionId tp) {
        }
        Map<GroupTp, CommitRecord> loadedOffsets = new LinkedHashMap<>();
        Map<String, GroupMetadataSnapshot> loadedGroups = new LinkedHashMap<>();
        Set<String> removedGroups = new LinkedHashSet<>();
        for (Loaded loaded : records) {
            GroupRecord r = loaded.record();
            if (r instanceof OffsetCommitRecord c) {
                loadedOffsets.put(new GroupTp(c.groupId(), c.partition()), new CommitRecord(loaded.offset(), c.offset()));
            } else if (r instanceof OffsetTombstone t) {
                loadedOffsets.remove(new GroupTp(t.groupId(), t.partition()));
            } else if (r instanceof GroupMetadataRecord g) {
                loadedGroups.put(g.groupId(), g.metadata());
                removedGroups.remove(g.groupId());
            } else if (r instanceof GroupTombstone t) {
                loadedGroups.remove(t.groupId());
                removedGroups.add(t.groupId());
            }
        }
        Map<String, Map<TopicPartitionId, CommitRecord>> offsetsByGroup = new LinkedHashMap<>();
        loadedOffsets.forEach((key, commit) ->
            offsetsByGroup.computeIfAbsent(key.groupId(), g -> new HashMap<>()).put(key.tp(), commit));
        long now = scheduler.nowMs();
        int loadedCount = 0;
        for (Map.Entry<String, GroupMetadataSnapshot> e : loadedGroups.entrySet()) {
            Group group = restoreGroup(e.getKey(), partition, e.getValue(), now);
            group.initializeOffsets(offsetsByGroup.getOrDefault(e.getKey(), Map.of()));
            if (groups.putIfAbsent(group.groupId(), group) == null) {
                onGroupLoaded(group);
                loadedCount++;
            }
        }
        for (Map.Entry<String, Map<TopicPartitionId, CommitRecord>> e : offsetsByGroup.entrySet()) {
            if (loadedGroups.containsKey(e.getKey()))
                continue;
            Group group = new Group(e.getKey(), partition, GroupState.EMPTY, now);
            group.initializeOffsets(e.getValue());
            if (groups.putIfAbsent(group.groupId(), group) == null) {
                onGroupLoaded(group);
                loadedCount++;
            }
        }
        partitions.put(partition, PartitionStatus.LOADED);
        log.info("Loaded {} groups and {} offsets from __consumer_offsets-{} ({} records, {} group tombstones)",
            loadedCount, loadedOffsets.size(), partition, records.size(), removedGroups.size());
    }

    private Group restoreGroup(String groupId, int partition, GroupMetadataSnapshot snapshot, long now) {
        GroupState state = snapshot.members().isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        Group group = new Group(groupId, partition, state, now);
        group.restore(snapshot.generation(), snapshot.protocolType(), snapshot.protocol(), snapshot.leader(),
            snapshot.currentStateTimestamp());
        for (MemberSnapshot m : snapshot.members()) {
            Member member = new Member(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), group.protocolType(),
                List.of(new Protocol(snapshot.protocol(), m.subscription())));
            member.assignment = m.assignment() == null ? new byte[0] : m.assignment();
            group.add(member, null);
        }
        group.computeSubscribedTopics(subscriptionParser);
        return group;
    }

    private void onGroupLoaded(Group group) {
        if (groupIsOverCapacity(group))
            prepareRebalance(group, "Freshly-loaded group is over capacity (" + config.maxSize()
                + "). Rebalancing in order to give a chance for consumers to commit offsets");
        for (Member member : group.allMembers())
            completeAndScheduleNextHeartbeatExpiration(group, member);
    }

    /** No longer leader of an offsets partition: its groups go Dead and parked requests get NOT_COORDINATOR. */
    public void unloadPartition(int partition) {
        partitions.remove(partition);
        for (Group group : new ArrayList<>(groups.values())) {
            if (group.offsetsPartition() != partition)
                continue;
            onGroupUnloaded(group);
            groups.remove(group.groupId());
        }
    }

    private void onGroupUnloaded(Group group) {
        GroupState previous = group.state();
        group.transitionTo(GroupState.DEAD, scheduler.nowMs());
        switch (previous) {
            case PREPARING_REBALANCE -> {
                for (Member member : group.allMembers())
                    group.maybeInvokeJoinCallback(member, JoinResult.error(member.memberId, GroupError.NOT_COORDINATOR));
            }
            case STABLE, COMPLETING_REBALANCE -> {
                for (Member member : group.allMembers())
                    group.maybeInvokeSyncCallback(member, SyncResult.error(GroupError.NOT_COORDINATOR));
            }
            default -> {
            }
        }
        cancelTimers(group);
    }

    /** Stops serving: every partition is unloaded. */
    public void shutdown() {
        active = false;
        for (Integer partition : new ArrayList<>(partitions.keySet()))
            unloadPartition(partition);
    }

    /** A group, for inspection (null if unknown). */
    public Group group(String groupId) {
        return groups.get(groupId);
    }

    public Collection<Group> groups() {
        return new ArrayList<>(groups.values());
    }

    // ================================================================== validation

    private GroupError validateGroupStatus(String groupId, GroupApi api) {
        if (groupId == null || (groupId.isEmpty() && !api.acceptsEmptyGroupId()))
            return GroupError.INVALID_GROUP_ID;
        if (!active)
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        PartitionStatus status = partitionStatus(partitionFor(groupId));
        if (status == PartitionStatus.LOADING)
            return GroupError.COORDINATOR_LOAD_IN_PROGRESS;
        if (status != PartitionStatus.LOADED)
            return GroupError.NOT_COORDINATOR;
        return null;
    }

    /** If an instance id is given it must map to the member id; the member id must be in the group. */
    private GroupError validateCurrentMember(Group group, String memberId, String groupInstanceId, String operation) {
        if (groupInstanceId != null) {
            String current = group.currentStaticMemberId(groupInstanceId);
            if (current == null)
                return GroupError.UNKNOWN_MEMBER_ID;
            if (!current.equals(memberId)) {
                log.info("Request memberId={} for static member with groupInstanceId={} is fenced by current memberId={} "
                    + "during operation {}", memberId, groupInstanceId, current, operation);
                return GroupError.FENCED_INSTANCE_ID;
            }
            return null;
        }
        return group.has(memberId) ? null : GroupError.UNKNOWN_MEMBER_ID;
    }

    private boolean groupIsOverCapacity(Group group) {
        return group.size() > config.maxSize();
    }

    private boolean acceptJoiningMember(Group group, String memberId) {
        return switch (group.state()) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE -> (group.has(memberId) && group.get(memberId).isAwaitingJoin())
                || group.numAwaiting() < config.maxSize();
            case COMPLETING_REBALANCE, STABLE -> group.has(memberId) || group.size() < config.maxSize();
        };
    }

    // ================================================================== JoinGroup

    /**
     * JoinGroup. {@code requireKnownMemberId} (v4+, dynamic members) makes a first join answer
     * MEMBER_ID_REQUIRED with a new member id (KIP-394); {@code supportSkippingAssignment} is v9+.
     */
    public void handleJoinGroup(String groupId, String memberId, String groupInstanceId, boolean requireKnownMemberId,
                                boolean supportSkippingAssignment, String clientId, String clientHost,
                                int rebalanceTimeoutMs, int sessionTimeoutMs, String protocolType,
                                List<Protocol> protocols, Consumer<JoinResult> callback, String reason) {
        GroupError error = validateGroupStatus(groupId, GroupApi.JOIN_GROUP);
        if (error != null) {
            callback.accept(JoinResult.error(memberId, error));
            return;
        }
        if (sessionTimeoutMs < config.minSessionTimeoutMs() || sessionTimeoutMs > config.maxSessionTimeoutMs()) {
            callback.accept(JoinResult.error(memberId, GroupError.INVALID_SESSION_TIMEOUT));
            return;
        }
        boolean isUnknownMember = UNKNOWN_MEMBER_ID.equals(memberId);
        Group group = groups.get(groupId);
        if (group == null) {
            if (!isUnknownMember) {
                callback.accept(JoinResult.error(memberId, GroupError.UNKNOWN_MEMBER_ID));
                return;
            }
            group = new Group(groupId, partitionFor(groupId), GroupState.EMPTY, scheduler.nowMs());
            groups.put(groupId, group);
        }
        String joinReason = reason == null ? "not provided" : reason;
        if (!acceptJoiningMember(group, memberId)) {
            Member removed = group.get(memberId);
            if (removed != null)
                cancel(removed.heartbeatTimer);
            group.remove(memberId);
            callback.accept(JoinResult.error(UNKNOWN_MEMBER_ID, GroupError.GROUP_MAX_SIZE_REACHED));
        } else if (isUnknownMember) {
            doNewMemberJoinGroup(group, groupInstanceId, requireKnownMemberId, supportSkippingAssignment, clientId,
                clientHost, rebalanceTimeoutMs, sessionTimeoutMs, protocolType, protocols, callback, joinReason);
        } else {
            doCurrentMemberJoinGroup(group, memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs,
                sessionTimeoutMs, protocolType, protocols, callback, joinReason);
        }
        if (group.is(GroupState.PREPARING_REBALANCE))
            checkAndCompleteJoin(group);
    }

    private void doNewMemberJoinGroup(Group group, String groupInstanceId, boolean requireKnownMemberId,
                                      boolean supportSkippingAssignment, String clientId, String clientHost,
                                      int rebalanceTimeoutMs, int sessionTimeoutMs, String protocolType,
                                      List<Protocol> protocols, Consumer<JoinResult> callback, String reason) {
        if (group.is(GroupState.DEAD)) {
            callback.accept(JoinResult.error(UNKNOWN_MEMBER_ID, GroupError.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(protocolType, protocols)) {
            callback.accept(JoinResult.error(UNKNOWN_MEMBER_ID, GroupError.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        String newMemberId = group.generateMemberId(clientId, groupInstanceId);
        if (groupInstanceId != null) {
            String oldMemberId = group.currentStaticMemberId(groupInstanceId);
            if (oldMemberId != null) {
                log.info("Static member with groupInstanceId={} and unknown member id joins group {} in {} state. "
                    + "Replacing previously mapped member {} with this groupInstanceId.", groupInstanceId,
                    group.groupId(), group.state(), oldMemberId);
                updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, groupInstanceId, protocols,
                    rebalanceTimeoutMs, sessionTimeoutMs, callback, reason, supportSkippingAssignment);
            } else {
                log.info("Static member with groupInstanceId={} and unknown member id joins group {} in {} state. "
                    + "Created a new member id {} for this member and add to the group.", groupInstanceId,
                    group.groupId(), group.state(), newMemberId);
                addMemberAndRebalance(rebalanceTimeoutMs, sessionTimeoutMs, newMemberId, groupInstanceId, clientId,
                    clientHost, protocolType, protocols, group, callback, reason);
            }
        } else if (requireKnownMemberId) {
            log.debug("Dynamic member with unknown member id joins group {} in {} state. Created a new member id {} "
                + "and request the member to rejoin with this id.", group.groupId(), group.state(), newMemberId);
            group.addPendingMember(newMemberId);
            addPendingMemberExpiration(group, newMemberId, sessionTimeoutMs);
            callback.accept(JoinResult.error(newMemberId, GroupError.MEMBER_ID_REQUIRED));
        } else {
            addMemberAndRebalance(rebalanceTimeoutMs, sessionTimeoutMs, newMemberId, null, clientId, clientHost,
                protocolType, protocols, group, callback, reason);
        }
    }

    private void doCurrentMemberJoinGroup(Group group, String memberId, String groupInstanceId, String clientId,
                                          String clientHost, int rebalanceTimeoutMs, int sessionTimeoutMs,
                                          String protocolType, List<Protocol> protocols, Consumer<JoinResult> callback,
                                          String reason) {
        if (group.is(GroupState.DEAD)) {
            callback.accept(JoinResult.error(memberId, GroupError.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(protocolType, protocols)) {
            callback.accept(JoinResult.error(memberId, GroupError.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        if (group.isPendingMember(memberId)) {
            if (groupInstanceId != null) {
                // A pending member is always dynamic; a static id here is a confused client.
                callback.accept(JoinResult.error(memberId, GroupError.UNKNOWN_MEMBER_ID));
                return;
            }
            log.debug("Pending dynamic member with id {} joins group {} in {} state. Adding to the group now.",
                memberId, group.groupId(), group.state());
            addMemberAndRebalance(rebalanceTimeoutMs, sessionTimeoutMs, memberId, null, clientId, clientHost,
                protocolType, protocols, group, callback, reason);
            return;
        }
        GroupError error = validateCurrentMember(group, memberId, groupInstanceId, "join-group");
        if (error != null) {
            callback.accept(JoinResult.error(memberId, error));
            return;
        }
        Member member = group.get(memberId);
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs,
                sessionTimeoutMs, "Member " + memberId + " joining group during " + group.state() + "; client reason: " + reason,
                callback);
            case COMPLETING_REBALANCE -> {
                if (member.matches(protocols)) {
                    // The same metadata (the member probably missed the JoinGroup answer): the current generation again.
                    callback.accept(new JoinResult(group.isLeader(memberId) ? group.currentMemberMetadata() : List.of(),
                        memberId, group.generationId(), group.protocolType(), group.protocolName(), group.leaderOrNull(),
                        false, GroupError.NONE));
                } else {
                    updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, sessionTimeoutMs,
                        "Updating metadata for member " + memberId + " during " + group.state() + "; client reason: " + reason,
                        callback);
                }
            }
            case STABLE -> {
                if (group.isLeader(memberId)) {
                    // The leader rejoining forces a rebalance (metadata changes the members cannot see).
                    updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, sessionTimeoutMs,
                        "Leader " + memberId + " re-joining group during " + group.state() + "; client reason: " + reason,
                        callback);
                } else if (!member.matches(protocols)) {
                    updateMemberAndRebalance(group, member, protocols, rebalanceTimeoutMs, sessionTimeoutMs,
                        "Updating metadata for member " + memberId + " during " + group.state() + "; client reason: " + reason,
                        callback);
                } else {
                    callback.accept(new JoinResult(List.of(), memberId, group.generationId(), group.protocolType(),
                        group.protocolName(), group.leaderOrNull(), false, GroupError.NONE));
                }
            }
            case EMPTY, DEAD -> {
                log.warn("Attempt to add rejoining member {} of group {} in unexpected group state {}", memberId,
                    group.groupId(), group.state());
                callback.accept(JoinResult.error(memberId, GroupError.UNKNOWN_MEMBER_ID));
            }
        }
    }

    private void addMemberAndRebalance(int rebalanceTimeoutMs, int sessionTimeoutMs, String memberId,
                                       String groupInstanceId, String clientId, String clientHost, String protocolType,
                                       List<Protocol> protocols, Group group, Consumer<JoinResult> callback, String reason) {
        Member member = new Member(memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs,
            protocolType, protocols);
        member.isNew = true;
        // The initial delayed join may be extended while new members keep coming.
        if (group.is(GroupState.PREPARING_REBALANCE) && group.generationId() == 0)
            group.newMemberAdded = true;
        cancel(group.pendingMemberTimers.remove(memberId));
        group.add(member, callback);
        // New members cannot heartbeat while their JoinGroup is parked; they must finish joining within this.
        completeAndScheduleNextExpiration(group, member, config.newMemberJoinTimeoutMs());
        maybePrepareRebalance(group, "Adding new member " + memberId + " with group instance id " + groupInstanceId
            + "; client reason: " + reason);
    }

    private void updateStaticMemberAndRebalance(Group group, String oldMemberId, String newMemberId,
                                                String groupInstanceId, List<Protocol> protocols, int rebalanceTimeoutMs,
                                                int sessionTimeoutMs, Consumer<JoinResult> callback, String reason,
                                                boolean supportSkippingAssignment) {
        String currentLeader = group.leaderOrNull();
        Member member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
        completeAndScheduleNextHeartbeatExpiration(group, member);
        int oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
        int oldSessionTimeoutMs = member.sessionTimeoutMs;
        List<Protocol> oldProtocols = member.supportedProtocols;
        group.updateMember(member, protocols, rebalanceTimeoutMs, sessionTimeoutMs, callback);
        switch (group.state()) {
            case STABLE -> {
                // If the protocol the next generation would select does not change, only persist the new member id.
                String selected = group.selectProtocol();
                if (selected.equals(group.protocolName())) {
                    log.info("Static member {} of group {} rejoined in Stable state without changing the selected "
                        + "protocol: no rebalance.", groupInstanceId, group.groupId());
                    Map<String, byte[]> assignment = new HashMap<>();
                    for (Member m : group.allMembers())
                        assignment.put(m.memberId, m.assignment);
                    storeGroup(group, assignment, error -> {
                        if (error != GroupError.NONE) {
                            log.warn("Failed to persist metadata for group {}: {}", group.groupId(), error);
                            // Revert to the old member id.
                            group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
                            Member old = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId);
                            completeAndScheduleNextHeartbeatExpiration(group, old);
                            callback.accept(new JoinResult(List.of(), UNKNOWN_MEMBER_ID, group.generationId(),
                                group.protocolType(), group.protocolName(), currentLeader, false, error));
                        } else if (supportSkippingAssignment) {
                            // v9+: a static leader learns it leads but must not run the assignor in Stable state.
                            boolean isLeader = group.isLeader(newMemberId);
                            group.maybeInvokeJoinCallback(member, new JoinResult(
                                isLeader ? group.currentMemberMetadata() : List.of(), newMemberId, group.generationId(),
                                group.protocolType(), group.protocolName(), group.leaderOrNull(), isLeader, GroupError.NONE));
                        } else {
                            // Before v9 the old leader id is returned so the rejoining member never thinks it leads.
                            group.maybeInvokeJoinCallback(member, new JoinResult(List.of(), newMemberId,
                                group.generationId(), group.protocolType(), group.protocolName(), currentLeader, false,
                                GroupError.NONE));
                        }
                    });
                } else {
                    maybePrepareRebalance(group, "Group's selectedProtocol will change because static member "
                        + member.memberId + " with instance id " + groupInstanceId
                        + " joined with change of protocol; client reason: " + reason);
                }
            }
            case COMPLETING_REBALANCE ->
                // The leader may already be assigning to the old member id: start over.
                prepareRebalance(group, "Updating metadata for static member " + member.memberId + " with instance id "
                    + groupInstanceId + "; client reason: " + reason);
            case PREPARING_REBALANCE -> {
            }
            case EMPTY, DEAD -> throw new IllegalStateException("Group " + group.groupId() + " was not supposed to be in "
                + "the state " + group.state() + " when the unknown static member " + groupInstanceId + " rejoins.");
        }
    }

    private void updateMemberAndRebalance(Group group, Member member, List<Protocol> protocols, int rebalanceTimeoutMs,
                                          int sessionTimeoutMs, String reason, Consumer<JoinResult> callback) {
        group.updateMember(member, protocols, rebalanceTimeoutMs, sessionTimeoutMs, callback);
        maybePrepareRebalance(group, reason);
    }

    private void maybePrepareRebalance(Group group, String reason) {
        if (group.canRebalance())
            prepareRebalance(group, reason);
    }

    void prepareRebalance(Group group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE))
            resetAndPropagateAssignmentError(group, GroupError.REBALANCE_IN_PROGRESS);
        removeSyncExpiration(group);
        boolean initial = group.is(GroupState.EMPTY);
        int rebalanceTimeoutMs = group.rebalanceTimeoutMs();
        group.transitionTo(GroupState.PREPARING_REBALANCE, scheduler.nowMs());
        log.info("Preparing to rebalance group {} in state {} with old generation {} (__consumer_offsets-{}) (reason: {})",
            group.groupId(), group.state(), group.generationId(), group.offsetsPartition(), reason);
        cancel(group.joinTimer);
        group.joinTimer = null;
        if (initial) {
            int delay = config.initialRebalanceDelayMs();
            scheduleInitialJoin(group, delay, Math.max(rebalanceTimeoutMs - delay, 0));
        } else {
            scheduleJoin(group);
        }
    }

    /** Kafka's DelayedJoin: completes as soon as every member rejoined, else at the rebalance timeout. */
    private void scheduleJoin(Group group) {
        if (group.hasAllMembersJoined()) {
            onCompleteJoin(group);
            return;
        }
        group.joinTimerInitial = false;
        group.joinTimer = scheduler.schedule(group.rebalanceTimeoutMs(), () -> {
            group.joinTimer = null;
            if (isCurrent(group))
                onCompleteJoin(group);
        });
    }

    /**
     * Kafka's InitialDelayedJoin: a group rebalancing out of Empty waits
     * group.initial.rebalance.delay.ms, again while new members keep arriving, up to the rebalance timeout.
     */
    private void scheduleInitialJoin(Group group, long delayMs, long remainingMs) {
        group.joinTimerInitial = true;
        group.joinTimer = scheduler.schedule(delayMs, () -> {
            group.joinTimer = null;
            if (!isCurrent(group))
                return;
            if (group.newMemberAdded && remainingMs != 0) {
                group.newMemberAdded = false;
                long delay = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                long remaining = Math.max(remainingMs - delayMs, 0);
                scheduleInitialJoin(group, delay, remaining);
            } else {
                onCompleteJoin(group);
            }
        });
    }

    private void checkAndCompleteJoin(Group group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && group.joinTimer != null && !group.joinTimerInitial
            && group.hasAllMembersJoined()) {
            cancel(group.joinTimer);
            group.joinTimer = null;
            onCompleteJoin(group);
        }
    }

    private void onCompleteJoin(Group group) {
        List<Member> notYetRejoined = new ArrayList<>();
        for (Member m : group.notYetRejoinedMembers()) {
            if (!m.isStatic())
                notYetRejoined.add(m);
        }
        if (!notYetRejoined.isEmpty()) {
            List<String> ids = new ArrayList<>();
            for (Member failed : notYetRejoined) {
                ids.add(failed.memberId);
                removeMemberQuietly(group, failed);
            }
            log.info("Group {} removed dynamic members who haven't joined: {}", group.groupId(), ids);
        }
        if (group.is(GroupState.DEAD)) {
            log.info("Group {} is dead, skipping rebalance stage", group.groupId());
        } else if (!group.maybeElectNewJoinedLeader() && group.size() > 0) {
            // Only static members that did not rejoin are left: wait another rebalance timeout.
            log.error("Group {} could not complete rebalance because no members rejoined", group.groupId());
            scheduleJoin(group);
        } else {
            group.initNextGeneration(scheduler.nowMs(), subscriptionParser);
            if (group.is(GroupState.EMPTY)) {
                log.info("Group {} with generation {} is now empty (__consumer_offsets-{})", group.groupId(),
                    group.generationId(), group.offsetsPartition());
                storeGroup(group, Map.of(), error -> {
                    if (error != GroupError.NONE)
                        log.warn("Failed to write empty metadata for group {}: {}", group.groupId(), error);
                });
            } else {
                log.info("Stabilized group {} generation {} (__consumer_offsets-{}) with {} members", group.groupId(),
                    group.generationId(), group.offsetsPartition(), group.size());
                for (Member member : group.allMembers()) {
                    JoinResult result = new JoinResult(
                        group.isLeader(member.memberId) ? group.currentMemberMetadata() : List.of(), member.memberId,
                        group.generationId(), group.protocolType(), group.protocolName(), group.leaderOrNull(), false,
                        GroupError.NONE);
                    group.maybeInvokeJoinCallback(member, result);
                    completeAndScheduleNextHeartbeatExpiration(group, member);
                    member.isNew = false;
                    group.addPendingSyncMember(member.memberId);
                }
                schedulePendingSync(group);
            }
        }
    }

    // ================================================================== SyncGroup

    /** SyncGroup: the leader's assignment is persisted, then every parked member gets its share. */
    public void handleSyncGroup(String groupId, int generationId, String memberId, String protocolType,
                                String protocolName, String groupInstanceId, Map<String, byte[]> assignment,
                                Consumer<SyncResult> callback) {
        GroupError error = validateGroupStatus(groupId, GroupApi.SYNC_GROUP);
        if (error == GroupError.COORDINATOR_LOAD_IN_PROGRESS) {
            // The rebalance state was lost with the load: rejoin without rediscovering the coordinator.
            callback.accept(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
            return;
        }
        if (error != null) {
            callback.accept(SyncResult.error(error));
            return;
        }
        Group group = groups.get(groupId);
        if (group == null) {
            callback.accept(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
            return;
        }
        GroupError invalid = validateSyncGroup(group, generationId, memberId, protocolType, protocolName, groupInstanceId);
        if (invalid != null) {
            callback.accept(SyncResult.error(invalid));
            return;
        }
        switch (group.state()) {
            case EMPTY -> callback.accept(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
            case PREPARING_REBALANCE -> callback.accept(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                Member member = group.get(memberId);
                member.awaitingSync = callback;
                removePendingSyncMember(group, memberId);
                if (group.isLeader(memberId)) {
                    log.info("Assignment received from leader {} for group {} for generation {}. The group has {} members, "
                        + "{} of which are static.", memberId, groupId, group.generationId(), group.size(),
                        group.numStaticMembers());
                    Map<String, byte[]> complete = new HashMap<>(assignment);
                    List<String> missing = new ArrayList<>();
                    for (String id : group.allMemberIds()) {
                        if (!complete.containsKey(id)) {
                            complete.put(id, new byte[0]);
                            missing.add(id);
                        }
                    }
                    if (!missing.isEmpty())
                        log.warn("Setting empty assignments for members {} of {} for generation {}", missing, groupId,
                            group.generationId());
                    storeGroup(group, complete, storeError -> {
                        // Another member may have joined meanwhile: only act on the same generation, still completing.
                        if (isCurrent(group) && group.is(GroupState.COMPLETING_REBALANCE)
                            && generationId == group.generationId()) {
                            if (storeError != GroupError.NONE) {
                                resetAndPropagateAssignmentError(group, storeError);
                                maybePrepareRebalance(group, "Error " + storeError
                                    + " when storing group assignment during SyncGroup (member: " + memberId + ")");
                            } else {
                                setAndPropagateAssignment(group, complete);
                                group.transitionTo(GroupState.STABLE, scheduler.nowMs());
                            }
                        }
                    });
                }
            }
            case STABLE -> {
                removePendingSyncMember(group, memberId);
                Member member = group.get(memberId);
                callback.accept(new SyncResult(group.protocolType(), group.protocolName(), member.assignment,
                    GroupError.NONE));
                completeAndScheduleNextHeartbeatExpiration(group, member);
            }
            case DEAD -> callback.accept(SyncResult.error(GroupError.COORDINATOR_NOT_AVAILABLE));
        }
    }

    private GroupError validateSyncGroup(Group group, int generationId, String memberId, String protocolType,
                                         String protocolName, String groupInstanceId) {
        if (group.is(GroupState.DEAD))
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        GroupError error = validateCurrentMember(group, memberId, groupInstanceId, "sync-group");
        if (error != null)
            return error;
        if (generationId != group.generationId())
            return GroupError.ILLEGAL_GENERATION;
        if (protocolType != null && !protocolType.equals(group.protocolType()))
            return GroupError.INCONSISTENT_GROUP_PROTOCOL;
        if (protocolName != null && !protocolName.equals(group.protocolName()))
            return GroupError.INCONSISTENT_GROUP_PROTOCOL;
        return null;
    }

    private void setAndPropagateAssignment(Group group, Map<String, byte[]> assignment) {
        for (Member m : group.allMembers())
            m.assignment = assignment.getOrDefault(m.memberId, new byte[0]);
        propagateAssignment(group, GroupError.NONE);
    }

    private void resetAndPropagateAssignmentError(Group group, GroupError error) {
        for (Member m : group.allMembers())
            m.assignment = new byte[0];
        propagateAssignment(group, error);
    }

    private void propagateAssignment(Group group, GroupError error) {
        String protocolType = error == GroupError.NONE ? group.protocolType() : null;
        String protocolName = error == GroupError.NONE ? group.protocolName() : null;
        for (Member member : group.allMembers()) {
            if (member.assignment.length == 0 && error == GroupError.NONE)
                log.debug("Sending empty assignment to member {} of {} for generation {} with no errors", member.memberId,
                    group.groupId(), group.generationId());
            // The session restarts once the member has its assignment (an expiry while it was parked was ignored).
            if (group.maybeInvokeSyncCallback(member, new SyncResult(protocolType, protocolName, member.assignment, error)))
                completeAndScheduleNextHeartbeatExpiration(group, member);
        }
    }

    private void removePendingSyncMember(Group group, String memberId) {
        group.removePendingSyncMember(memberId);
        maybeCompleteSyncExpiration(group);
    }

    private void removeSyncExpiration(Group group) {
        group.clearPendingSyncMembers();
        maybeCompleteSyncExpiration(group);
    }

    private void maybeCompleteSyncExpiration(Group group) {
        if (group.syncTimer != null && group.hasReceivedSyncFromAllMembers()) {
            cancel(group.syncTimer);
            group.syncTimer = null;
        }
    }

    /** Kafka's DelayedSync: every member must send SyncGroup within the rebalance timeout of the join. */
    private void schedulePendingSync(Group group) {
        cancel(group.syncTimer);
        int generation = group.generationId();
        group.syncTimer = scheduler.schedule(group.rebalanceTimeoutMs(), () -> {
            group.syncTimer = null;
            if (isCurrent(group))
                onExpirePendingSync(group, generation);
        });
    }

    private void onExpirePendingSync(Group group, int generationId) {
        if (generationId != group.generationId())
            return;
        if (!(group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE)))
            return;
        if (group.hasReceivedSyncFromAllMembers())
            return;
        Set<String> pending = group.allPendingSyncMembers();
        for (String memberId : pending) {
            Member member = group.get(memberId);
            if (member != null)
                removeMemberQuietly(group, member);
        }
        log.info("Group {} removed members who haven't sent their sync request: {}", group.groupId(), pending);
        prepareRebalance(group, "Removing " + pending + " on pending sync request expiration");
    }

    // ================================================================== Heartbeat / LeaveGroup

    public void handleHeartbeat(String groupId, String memberId, String groupInstanceId, int generationId,
                                Consumer<GroupError> callback) {
        GroupError error = validateGroupStatus(groupId, GroupApi.HEARTBEAT);
        if (error != null) {
            // While loading, answer blindly: the member will learn about the group once it is loaded.
            callback.accept(error == GroupError.COORDINATOR_LOAD_IN_PROGRESS ? GroupError.NONE : error);
            return;
        }
        Group group = groups.get(groupId);
        if (group == null) {
            callback.accept(GroupError.UNKNOWN_MEMBER_ID);
            return;
        }
        if (group.is(GroupState.DEAD)) {
            callback.accept(GroupError.COORDINATOR_NOT_AVAILABLE);
            return;
        }
        GroupError invalid = validateCurrentMember(group, memberId, groupInstanceId, "heartbeat");
        if (invalid == null && generationId != group.generationId())
            invalid = GroupError.ILLEGAL_GENERATION;
        if (invalid != null) {
            callback.accept(invalid);
            return;
        }
        switch (group.state()) {
            case EMPTY -> callback.accept(GroupError.UNKNOWN_MEMBER_ID);
            case COMPLETING_REBALANCE, STABLE -> {
                completeAndScheduleNextHeartbeatExpiration(group, group.get(memberId));
                callback.accept(GroupError.NONE);
            }
            case PREPARING_REBALANCE -> {
                completeAndScheduleNextHeartbeatExpiration(group, group.get(memberId));
                callback.accept(GroupError.REBALANCE_IN_PROGRESS);
            }
            case DEAD -> callback.accept(GroupError.COORDINATOR_NOT_AVAILABLE);
        }
    }

    /** LeaveGroup for a batch of members (v3+), each by member id or, administratively, by group instance id. */
    public void handleLeaveGroup(String groupId, List<LeavingMember> leaving, Consumer<LeaveResult> callback) {
        GroupError error = validateGroupStatus(groupId, GroupApi.LEAVE_GROUP);
        if (error != null) {
            callback.accept(new LeaveResult(error, List.of()));
            return;
        }
        Group group = groups.get(groupId);
        if (group == null) {
            List<MemberLeaveResult> results = new ArrayList<>();
            for (LeavingMember m : leaving)
                results.add(new MemberLeaveResult(m.memberId(), m.groupInstanceId(), GroupError.UNKNOWN_MEMBER_ID));
            callback.accept(new LeaveResult(GroupError.NONE, results));
            return;
        }
        if (group.is(GroupState.DEAD)) {
            callback.accept(new LeaveResult(GroupError.COORDINATOR_NOT_AVAILABLE, List.of()));
            return;
        }
        List<MemberLeaveResult> results = new ArrayList<>();
        for (LeavingMember leavingMember : leaving) {
            String memberId = leavingMember.memberId();
            String instanceId = leavingMember.groupInstanceId();
            String reason = leavingMember.reason() == null ? "not provided" : leavingMember.reason();
            GroupError memberError;
            if (UNKNOWN_MEMBER_ID.equals(memberId)) {
                String current = group.currentStaticMemberId(instanceId);
                if (current != null) {
                    removeCurrentMemberFromGroup(group, current, reason);
                    memberError = GroupError.NONE;
                } else {
                    memberError = GroupError.UNKNOWN_MEMBER_ID;
                }
            } else if (group.isPendingMember(memberId)) {
                cancel(group.pendingMemberTimers.remove(memberId));
                removePendingMemberAndUpdateGroup(group, memberId);
                log.info("Pending member with memberId={} has left group {} through explicit `LeaveGroup` request",
                    memberId, groupId);
                memberError = GroupError.NONE;
            } else {
                memberError = validateCurrentMember(group, memberId, instanceId, "leave-group");
                if (memberError == null) {
                    removeCurrentMemberFromGroup(group, memberId, reason);
                    memberError = GroupError.NONE;
                }
            }
            results.add(new MemberLeaveResult(memberId, instanceId, memberError));
        }
        callback.accept(new LeaveResult(GroupError.NONE, results));
    }

    private void removeCurrentMemberFromGroup(Group group, String memberId, String reason) {
        Member member = group.get(memberId);
        removeMemberAndUpdateGroup(group, member, "Removing member " + memberId + " on LeaveGroup; client reason: " + reason);
        log.info("Member {} has left group {} through explicit `LeaveGroup`; client reason: {}", member, group.groupId(),
            reason);
    }

    private void removeMemberAndUpdateGroup(Group group, Member member, String reason) {
        // A new member may be parked in JoinGroup: answer it so it retries if still alive.
        group.maybeInvokeJoinCallback(member, JoinResult.error(UNKNOWN_MEMBER_ID, GroupError.UNKNOWN_MEMBER_ID));
        // A parked SyncGroup of a member that is gone would otherwise never be answered.
        group.maybeInvokeSyncCallback(member, SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
        removeMemberQuietly(group, member);
        switch (group.state()) {
            case STABLE, COMPLETING_REBALANCE -> maybePrepareRebalance(group, reason);
            case PREPARING_REBALANCE -> checkAndCompleteJoin(group);
            default -> {
            }
        }
    }

    private void removeMemberQuietly(Group group, Member member) {
        cancel(member.heartbeatTimer);
        member.heartbeatTimer = null;
        group.remove(member.memberId);
    }

    private void removePendingMemberAndUpdateGroup(Group group, String memberId) {
        group.remove(memberId);
        if (group.is(GroupState.PREPARING_REBALANCE))
            checkAndCompleteJoin(group);
    }

    // ================================================================== session timeouts

    private void completeAndScheduleNextHeartbeatExpiration(Group group, Member member) {
        completeAndScheduleNextExpiration(group, member, member.sessionTimeoutMs);
    }

    private void completeAndScheduleNextExpiration(Group group, Member member, long timeoutMs) {
        cancel(member.heartbeatTimer);
        String memberId = member.memberId;
        member.heartbeatTimer = scheduler.schedule(timeoutMs, () -> onExpireHeartbeat(group, member, memberId));
    }

    private void onExpireHeartbeat(Group group, Member member, String memberId) {
        if (!isCurrent(group) || group.is(GroupState.DEAD))
            return;
        if (group.get(memberId) != member)
            return;
        member.heartbeatTimer = null;
        if (!member.survivesSessionExpiry()) {
            log.info("Member {} in group {} has failed, removing it from the group", memberId, group.groupId());
            removeMemberAndUpdateGroup(group, member, "removing member " + memberId + " on heartbeat expiration");
        }
    }

    private void addPendingMemberExpiration(Group group, String pendingMemberId, long timeoutMs) {
        cancel(group.pendingMemberTimers.remove(pendingMemberId));
        group.pendingMemberTimers.put(pendingMemberId, scheduler.schedule(timeoutMs, () -> {
            group.pendingMemberTimers.remove(pendingMemberId);
            if (!isCurrent(group) || group.is(GroupState.DEAD))
                return;
            if (group.isPendingMember(pendingMemberId)) {
                log.info("Pending member {} in group {} has been removed after session timeout expiration.",
                    pendingMemberId, group.groupId());
                removePendingMemberAndUpdateGroup(group, pendingMemberId);
            }
        }));
    }

    // ================================================================== offsets

    /**
     * OffsetCommit. A generation below 0 with no member id commits for a group that does not use
     * Kafka's group management (simple consumers, the admin client) and only while it is Empty.
     */
    public void handleCommitOffsets(String groupId, String memberId, String groupInstanceId, int generationId,
                                    Map<TopicPartitionId, OffsetCommit> commits,
                                    Consumer<Map<TopicPartitionId, GroupError>> callback) {
        GroupError error = validateGroupStatus(groupId, GroupApi.OFFSET_COMMIT);
        if (error != null) {
            callback.accept(allWith(commits.keySet(), error));
            return;
        }
        Group group = groups.get(groupId);
        if (group == null) {
            if (generationId < 0) {
                log.info("Creating simple consumer group {} via manual offset commit.", groupId);
                group = new Group(groupId, partitionFor(groupId), GroupState.EMPTY, scheduler.nowMs());
                groups.put(groupId, group);
            } else {
                // A commit from an older generation of a group that is gone.
                callback.accept(allWith(commits.keySet(), GroupError.ILLEGAL_GENERATION));
                return;
            }
        }
        GroupError invalid = validateOffsetCommit(group, generationId, memberId, groupInstanceId);
        if (invalid != null) {
            callback.accept(allWith(commits.keySet(), invalid));
            return;
        }
        switch (group.state()) {
            case EMPTY -> storeOffsets(group, commits, callback);
            case STABLE, PREPARING_REBALANCE -> {
                // Commits are allowed while preparing a rebalance: the heartbeat tells the member to rejoin.
                completeAndScheduleNextHeartbeatExpiration(group, group.get(memberId));
                storeOffsets(group, commits, callback);
            }
            case COMPLETING_REBALANCE -> callback.accept(allWith(commits.keySet(), GroupError.REBALANCE_IN_PROGRESS));
            case DEAD -> callback.accept(allWith(commits.keySet(), GroupError.COORDINATOR_NOT_AVAILABLE));
        }
    }

    private GroupError validateOffsetCommit(Group group, int generationId, String memberId, String groupInstanceId) {
        if (group.is(GroupState.DEAD))
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        if (generationId < 0 && group.is(GroupState.EMPTY))
            return null;
        if (generationId >= 0 || !UNKNOWN_MEMBER_ID.equals(memberId) || groupInstanceId != null) {
            GroupError error = validateCurrentMember(group, memberId, groupInstanceId, "offset-commit");
            if (error != null)
                return error;
            return generationId != group.generationId() ? GroupError.ILLEGAL_GENERATION : null;
        }
        // A non-empty group only takes commits from its members.
        return group.is(GroupState.EMPTY) ? null : GroupError.UNKNOWN_MEMBER_ID;
    }

    private void storeOffsets(Group group, Map<TopicPartitionId, OffsetCommit> commits,
                              Consumer<Map<TopicPartitionId, GroupError>> callback) {
        long now = scheduler.nowMs();
        Map<TopicPartitionId, OffsetAndMetadata> requested = new LinkedHashMap<>();
        commits.forEach((tp, c) -> {
            long commitTimestamp = c.commitTimestamp() == -1L ? now : c.commitTimestamp();
            long expire = c.retentionMs() == -1L ? OffsetAndMetadata.NO_EXPIRE_TIMESTAMP : now + c.retentionMs();
            requested.put(tp, new OffsetAndMetadata(c.offset(), c.leaderEpoch(), c.metadata(), commitTimestamp, expire));
        });
        Map<TopicPartitionId, OffsetAndMetadata> valid = new LinkedHashMap<>();
        requested.forEach((tp, o) -> {
            if (metadataFits(o.metadata()))
                valid.put(tp, o);
        });
        if (valid.isEmpty()) {
            callback.accept(allWith(commits.keySet(), GroupError.OFFSET_METADATA_TOO_LARGE));
            return;
        }
        if (partitionStatus(group.offsetsPartition()) != PartitionStatus.LOADED) {
            callback.accept(allWith(commits.keySet(), GroupError.NOT_COORDINATOR));
            return;
        }
        List<GroupRecord> records = new ArrayList<>();
        valid.forEach((tp, o) -> records.add(new OffsetCommitRecord(group.groupId(), tp, o)));
        group.prepareOffsetCommit(valid);
        groupLog.append(group.offsetsPartition(), records, (appendError, baseOffset) -> {
            GroupError responseError;
            if (appendError == GroupError.NONE) {
                if (!group.is(GroupState.DEAD))
                    valid.forEach((tp, o) -> group.onOffsetCommitAppend(tp, new CommitRecord(baseOffset, o)));
                responseError = GroupError.NONE;
            } else {
                if (!group.is(GroupState.DEAD))
                    valid.forEach(group::failPendingOffsetWrite);
                responseError = appendError.forOffsetCommit();
                log.debug("Offset commit {} from group {} failed with {}", valid, group.groupId(), appendError);
            }
            Map<TopicPartitionId, GroupError> result = new LinkedHashMap<>();
            requested.forEach((tp, o) -> result.put(tp, metadataFits(o.metadata()) ? responseError
                : GroupError.OFFSET_METADATA_TOO_LARGE));
            callback.accept(result);
        });
    }

    private boolean metadataFits(String metadata) {
        return metadata == null || metadata.length() <= config.offsetMetadataMaxBytes();
    }

    /**
     * OffsetFetch for one group; {@code partitions} null means every committed partition.
     * With {@code requireStable}, a partition with a commit in flight answers UNSTABLE_OFFSET_COMMIT.
     */
    public FetchResult handleFetchOffsets(String groupId, boolean requireStable, List<TopicPartitionId> partitions) {
        GroupError error = validateGroupStatus(groupId, GroupApi.OFFSET_FETCH);
        if (error != null)
            return new FetchResult(error, Map.of());
        Map<TopicPartitionId, PartitionOffset> result = new LinkedHashMap<>();
        Group group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            if (partitions != null)
                partitions.forEach(tp -> result.put(tp, PartitionOffset.NONE));
            return new FetchResult(GroupError.NONE, result);
        }
        Collection<TopicPartitionId> wanted = partitions != null ? partitions : group.allOffsets().keySet();
        for (TopicPartitionId tp : wanted) {
            if (requireStable && group.hasPendingOffsetCommitsForTopicPartition(tp)) {
                result.put(tp, new PartitionOffset(-1L, -1, "", GroupError.UNSTABLE_OFFSET_COMMIT));
            } else {
                OffsetAndMetadata o = group.offset(tp);
                result.put(tp, o == null ? PartitionOffset.NONE
                    : new PartitionOffset(o.offset(), o.leaderEpoch(), o.metadata(), GroupError.NONE));
            }
        }
        return new FetchResult(GroupError.NONE, result);
    }

    // ================================================================== Describe / List / Delete

    public GroupSummary handleDescribeGroup(String groupId) {
        GroupError error = validateGroupStatus(groupId, GroupApi.DESCRIBE_GROUPS);
        if (error != null)
            return new GroupSummary(error, "", "", "", List.of());
        Group group = groups.get(groupId);
        if (group == null)
            return new GroupSummary(GroupError.NONE, GroupState.DEAD.kafkaName(), "", "", List.of());
        return group.summary();
    }

    /** ListGroups; states are matched case-insensitively, a type filter without "classic" matches nothing. */
    public ListResult handleListGroups(Collection<String> states, Collection<String> types) {
        if (!active)
            return new ListResult(GroupError.COORDINATOR_NOT_AVAILABLE, List.of());
        GroupError error = isLoading() ? GroupError.COORDINATOR_LOAD_IN_PROGRESS : GroupError.NONE;
        Set<String> wantedStates = new LinkedHashSet<>();
        states.forEach(s -> wantedStates.add(s.toLowerCase(Locale.ROOT)));
        boolean classic = types.isEmpty() || types.stream().anyMatch(t -> t.equalsIgnoreCase("classic"));
        List<GroupOverview> result = new ArrayList<>();
        if (classic) {
            List<Group> sorted = new ArrayList<>(groups.values());
            sorted.sort((a, b) -> a.groupId().compareTo(b.groupId()));
            for (Group g : sorted) {
                if (wantedStates.isEmpty() || wantedStates.contains(g.state().lowerCaseName()))
                    result.add(g.overview());
            }
        }
        return new ListResult(error, result);
    }

    /** DeleteGroups: only Empty groups go; their offsets are removed with tombstones. */
    public Map<String, GroupError> handleDeleteGroups(Collection<String> groupIds) {
        Map<String, GroupError> errors = new LinkedHashMap<>();
        List<Group> eligible = new ArrayList<>();
        for (String groupId : new LinkedHashSet<>(groupIds)) {
            GroupError error = validateGroupStatus(groupId, GroupApi.DELETE_GROUPS);
            if (error != null) {
                errors.put(groupId, error);
                continue;
            }
            Group group = groups.get(groupId);
            if (group == null) {
                errors.put(groupId, groupNotExists(groupId) ? GroupError.GROUP_ID_NOT_FOUND : GroupError.NOT_COORDINATOR);
                continue;
            }
            switch (group.state()) {
                case DEAD -> errors.put(groupId, groupNotExists(groupId) ? GroupError.GROUP_ID_NOT_FOUND
                    : GroupError.NOT_COORDINATOR);
                case EMPTY -> {
                    group.transitionTo(GroupState.DEAD, scheduler.nowMs());
                    cancelTimers(group);
                    eligible.add(group);
                }
                default -> errors.put(groupId, GroupError.NON_EMPTY_GROUP);
            }
        }
        if (!eligible.isEmpty()) {
            int removed = cleanupGroupMetadata(eligible, Group::removeAllOffsets);
            List<String> ids = new ArrayList<>();
            for (Group g : eligible) {
                errors.put(g.groupId(), GroupError.NONE);
                ids.add(g.groupId());
            }
            log.info("The following groups were deleted: {}. A total of {} offsets were removed.", String.join(", ", ids),
                removed);
        }
        Map<String, GroupError> ordered = new LinkedHashMap<>();
        for (String id : groupIds)
            ordered.put(id, errors.get(id));
        return ordered;
    }

    private boolean groupNotExists(String groupId) {
        if (partitionStatus(partitionFor(groupId)) != PartitionStatus.LOADED)
            return false;
        Group group = groups.get(groupId);
        return group == null || group.is(GroupState.DEAD);
    }

    /** OffsetDelete: any partition of an Empty group; of an active consumer group only topics it is not subscribed to. */
    public OffsetDeleteResult handleDeleteOffsets(String groupId, List<TopicPartitionId> partitions) {
        GroupError error = validateGroupStatus(groupId, GroupApi.OFFSET_DELETE);
        if (error != null)
            return new OffsetDeleteResult(error, Map.of());
        Group group = groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD))
            return new OffsetDeleteResult(groupNotExists(groupId) ? GroupError.GROUP_ID_NOT_FOUND
                : GroupError.NOT_COORDINATOR, Map.of());
        Map<TopicPartitionId, GroupError> partitionErrors = new LinkedHashMap<>();
        List<TopicPartitionId> eligible = new ArrayList<>();
        if (group.is(GroupState.EMPTY)) {
            eligible.addAll(partitions);
        } else if (group.isConsumerGroup()) {
            for (TopicPartitionId tp : partitions) {
                if (group.isSubscribedToTopic(tp.topic()))
                    partitionErrors.put(tp, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
                else
                    eligible.add(tp);
            }
        } else {
            return new OffsetDeleteResult(GroupError.NON_EMPTY_GROUP, Map.of());
        }
        if (!eligible.isEmpty()) {
            int removed = cleanupGroupMetadata(List.of(group), g -> g.removeOffsets(eligible));
            eligible.forEach(tp -> partitionErrors.put(tp, GroupError.NONE));
            log.info("The following offsets of the group {} were deleted: {}. A total of {} offsets were removed.",
                groupId, eligible, removed);
        }
        Map<TopicPartitionId, GroupError> ordered = new LinkedHashMap<>();
        for (TopicPartitionId tp : partitions)
            ordered.put(tp, partitionErrors.get(tp));
        return new OffsetDeleteResult(GroupError.NONE, ordered);
    }

    /**
     * The periodic expiration (offsets.retention.check.interval.ms): offsets past
     * offsets.retention.minutes are removed, and an Empty group left without offsets goes Dead.
     */
    public int cleanupExpiredOffsets() {
        long now = scheduler.nowMs();
        List<Group> owned = new ArrayList<>();
        for (Group g : groups.values()) {
            if (partitionStatus(g.offsetsPartition()) == PartitionStatus.LOADED)
                owned.add(g);
        }
        int removed = cleanupGroupMetadata(owned, g -> g.removeExpiredOffsets(now, config.offsetsRetentionMs()));
        if (removed > 0)
            log.info("Removed {} expired offsets", removed);
        return removed;
    }

    private int cleanupGroupMetadata(Collection<Group> candidates,
                                     Function<Group, Map<TopicPartitionId, OffsetAndMetadata>> selector) {
        int offsetsRemoved = 0;
        for (Group group : candidates) {
            Map<TopicPartitionId, OffsetAndMetadata> removed = selector.apply(group);
            if (group.is(GroupState.EMPTY) && !group.hasOffsets()) {
                log.info("Group {} transitioned to Dead in generation {}", group.groupId(), group.generationId());
                group.transitionTo(GroupState.DEAD, scheduler.nowMs());
                cancelTimers(group);
            }
            boolean dead = group.is(GroupState.DEAD);
            List<GroupRecord> tombstones = new ArrayList<>();
            removed.keySet().forEach(tp -> tombstones.add(new OffsetTombstone(group.groupId(), tp)));
            // Groups with generation 0 only ever stored offsets: there is no metadata record to remove.
            if (dead && groups.remove(group.groupId(), group) && group.generationId() > 0)
                tombstones.add(new GroupTombstone(group.groupId()));
            if (!tombstones.isEmpty() && partitionStatus(group.offsetsPartition()) == PartitionStatus.LOADED) {
                // No need to wait: a lost tombstone is written again by the next cleanup.
                groupLog.append(group.offsetsPartition(), tombstones, (e, offset) -> {
                    if (e != GroupError.NONE)
                        log.warn("Failed to write tombstones for group {}: {}", group.groupId(), e);
                });
            }
            offsetsRemoved += removed.size();
        }
        return offsetsRemoved;
    }

    // ================================================================== persistence helpers

    private void storeGroup(Group group, Map<String, byte[]> assignment, Consumer<GroupError> callback) {
        if (partitionStatus(group.offsetsPartition()) != PartitionStatus.LOADED) {
            callback.accept(GroupError.NOT_COORDINATOR);
            return;
        }
        List<MemberSnapshot> members = new ArrayList<>();
        for (Member m : group.allMembers()) {
            byte[] memberAssignment = assignment.get(m.memberId);
            if (memberAssignment == null)
                throw new IllegalStateException("Attempted to write member " + m.memberId + " of group " + group.groupId()
                    + " with no assignment.");
            members.add(new MemberSnapshot(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                m.rebalanceTimeoutMs, m.sessionTimeoutMs, m.metadata(group.protocolName()), memberAssignment));
        }
        GroupMetadataSnapshot snapshot = new GroupMetadataSnapshot(group.protocolType() == null ? "" : group.protocolType(),
            group.generationId(), group.protocolName(), group.leaderOrNull(), group.currentStateTimestamp(), members);
        groupLog.append(group.offsetsPartition(), List.of(new GroupMetadataRecord(group.groupId(), snapshot)),
            (error, offset) -> callback.accept(error == GroupError.NONE ? GroupError.NONE : error.forGroupStore()));
    }

    private boolean isCurrent(Group group) {
        return groups.get(group.groupId()) == group;
    }

    private void cancelTimers(Group group) {
        cancel(group.joinTimer);
        group.joinTimer = null;
        cancel(group.syncTimer);
        group.syncTimer = null;
        group.pendingMemberTimers.values().forEach(GroupCoordinator::cancel);
        group.pendingMemberTimers.clear();
        for (Member m : group.allMembers()) {
            cancel(m.heartbeatTimer);
            m.heartbeatTimer = null;
        }
    }

    private static void cancel(GroupScheduler.Cancellable timer) {
        if (timer != null)
            timer.cancel();
    }

    private static Map<TopicPartitionId, GroupError> allWith(Collection<TopicPartitionId> partitions, GroupError error) {
        Map<TopicPartitionId, GroupError> result = new TreeMap<>();
        partitions.forEach(tp -> result.put(tp, error));
        return result;
    }
}
