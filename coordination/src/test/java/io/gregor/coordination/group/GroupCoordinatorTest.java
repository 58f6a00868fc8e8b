package io.gregor.coordination.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.gregor.coordination.group.GroupRecord.GroupMetadataRecord;
import io.gregor.coordination.group.GroupRecord.GroupTombstone;
import io.gregor.coordination.group.GroupRecord.OffsetCommitRecord;
import io.gregor.coordination.group.GroupRecord.OffsetTombstone;
import io.gregor.coordination.group.Results.FetchResult;
import io.gregor.coordination.group.Results.GroupSummary;
import io.gregor.coordination.group.Results.JoinResult;
import io.gregor.coordination.group.Results.LeaveResult;
import io.gregor.coordination.group.Results.LeavingMember;
import io.gregor.coordination.group.Results.ListResult;
import io.gregor.coordination.group.Results.OffsetDeleteResult;
import io.gregor.coordination.group.Results.SyncResult;

class GroupCoordinatorTest {
    private static final String GROUP = "g";
    private static final int SESSION = 10_000;
    private static final int REBALANCE = 30_000;
    private static final int DELAY = 3_000;

    private ManualScheduler time;
    private MemoryGroupLog groupLog;
    private GroupCoordinator coordinator;

    /** Captures one callback answer. */
    static final class Box<T> implements Consumer<T> {
        T value;
        int calls;

        @Override
        public void accept(T t) {
            value = t;
            calls++;
        }

        boolean done() {
            return calls > 0;
        }
    }

    /** Subscriptions in these tests are the topic names, comma separated. */
    private static Set<String> parseTopics(byte[] metadata) {
        String s = new String(metadata, StandardCharsets.UTF_8);
        if (s.startsWith("!"))
            return null;
        return s.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(s.split(",")));
    }

    private static List<Protocol> range(String topics) {
        return List.of(new Protocol("range", topics.getBytes(StandardCharsets.UTF_8)));
    }

    @BeforeEach
    void setUp() {
        start(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(DELAY));
    }

    private void start(GroupCoordinatorConfig config) {
        time = new ManualScheduler();
        groupLog = new MemoryGroupLog();
        coordinator = new GroupCoordinator(config, time, groupLog, GroupCoordinatorTest::parseTopics, 1);
        coordinator.beginLoad(0);
        coordinator.completeLoad(0, List.of());
    }

    private Box<JoinResult> join(String memberId, String instanceId, List<Protocol> protocols) {
        return join(GROUP, memberId, instanceId, true, protocols, SESSION, REBALANCE);
    }

    private Box<JoinResult> join(String group, String memberId, String instanceId, boolean requireKnown,
                                 List<Protocol> protocols, int session, int rebalance) {
        Box<JoinResult> box = new Box<>();
        coordinator.handleJoinGroup(group, memberId, instanceId, requireKnown, false, "client", "/127.0.0.1",
            rebalance, session, "consumer", protocols, box, null);
        return box;
    }

    /** A dynamic member's first join (MEMBER_ID_REQUIRED) then its real join, parked. */
    private Box<JoinResult> newDynamicMember(String topics) {
        Box<JoinResult> first = join(GroupCoordinator.UNKNOWN_MEMBER_ID, null, range(topics));
        assertEquals(GroupError.MEMBER_ID_REQUIRED, first.value.error());
        String memberId = first.value.memberId();
        assertFalse(memberId.isEmpty());
        return join(memberId, null, range(topics));
    }

    private Box<SyncResult> sync(String memberId, int generation, Map<String, byte[]> assignment) {
        return sync(memberId, null, generation, assignment);
    }

    private Box<SyncResult> sync(String memberId, String instanceId, int generation, Map<String, byte[]> assignment) {
        Box<SyncResult> box = new Box<>();
        coordinator.handleSyncGroup(GROUP, generation, memberId, "consumer", "range", instanceId, assignment, box);
        return box;
    }

    private GroupError heartbeat(String memberId, int generation) {
        return heartbeat(memberId, null, generation);
    }

    private GroupError heartbeat(String memberId, String instanceId, int generation) {
        Box<GroupError> box = new Box<>();
        coordinator.handleHeartbeat(GROUP, memberId, instanceId, generation, box);
        assertTrue(box.done());
        return box.value;
    }

    private Map<TopicPartitionId, GroupError> commit(String memberId, int generation, String topic, int partition,
                                                     long offset, String metadata) {
        Box<Map<TopicPartitionId, GroupError>> box = new Box<>();
        coordinator.handleCommitOffsets(GROUP, memberId, null, generation,
            Map.of(new TopicPartitionId(topic, partition), OffsetCommit.of(offset, metadata)), box);
        assertTrue(box.done());
        return box.value;
    }

    private long committed(String topic, int partition) {
        FetchResult result = coordinator.handleFetchOffsets(GROUP, false, List.of(new TopicPartitionId(topic, partition)));
        assertEquals(GroupError.NONE, result.error());
        return result.offsets().get(new TopicPartitionId(topic, partition)).offset();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Group group() {
        return coordinator.group(GROUP);
    }

    /** Two dynamic members through a full rebalance; returns {leader join, follower join}. */
    private JoinResult[] stableGroupOfTwo() {
        Box<JoinResult> a = newDynamicMember("t");
        Box<JoinResult> b = newDynamicMember("t");
        assertFalse(a.done());
        time.advance(2 * DELAY);
        assertTrue(a.done() && b.done());
        JoinResult leader = a.value.memberId().equals(a.value.leaderId()) ? a.value : b.value;
        JoinResult follower = leader == a.value ? b.value : a.value;
        Box<SyncResult> fs = sync(follower.memberId(), follower.generationId(), Map.of());
        assertFalse(fs.done());
        Box<SyncResult> ls = sync(leader.memberId(), leader.generationId(),
            Map.of(leader.memberId(), bytes("A"), follower.memberId(), bytes("B")));
        assertTrue(ls.done() && fs.done());
        assertArrayEquals(bytes("A"), ls.value.assignment());
        assertArrayEquals(bytes("B"), fs.value.assignment());
        assertEquals(GroupState.STABLE, group().state());
        return new JoinResult[] {leader, follower};
    }

    // ------------------------------------------------------------------ joining

    @Test
    void firstJoinRequiresMemberIdThenRebalancesAfterInitialDelay() {
        Box<JoinResult> a = newDynamicMember("t");
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        Box<JoinResult> b = newDynamicMember("t");
        time.advance(DELAY - 1);
        assertFalse(a.done(), "the initial delay holds the join");
        time.advance(DELAY);
        assertFalse(a.done(), "a second member during the delay extends it once more");
        time.advance(DELAY);
        assertTrue(a.done() && b.done());
        assertEquals(GroupError.NONE, a.value.error());
        assertEquals(1, a.value.generationId());
        assertEquals(1, b.value.generationId());
        assertEquals("range", a.value.protocolName());
        assertEquals("consumer", a.value.protocolType());
        assertEquals(a.value.leaderId(), b.value.leaderId());
        JoinResult leader = a.value.memberId().equals(a.value.leaderId()) ? a.value : b.value;
        JoinResult follower = leader == a.value ? b.value : a.value;
        assertEquals(2, leader.members().size(), "only the leader gets the members");
        assertEquals(0, follower.members().size());
        assertEquals(GroupState.COMPLETING_REBALANCE, group().state());
    }

    @Test
    void initialDelayIsExtendedWhileNewMembersArriveButBoundedByTheRebalanceTimeout() {
        Box<JoinResult> a = newDynamicMember("t");
        time.advance(DELAY - 100);
        Box<JoinResult> b = newDynamicMember("t");
        time.advance(200);
        assertFalse(a.done(), "a new member during the delay extends it");
        time.advance(DELAY);
        assertTrue(a.done() && b.done());
        assertEquals(1, a.value.generationId());
    }

    @Test
    void syncDistributesTheLeadersAssignmentAndPersistsTheGroup() {
        JoinResult[] members = stableGroupOfTwo();
        List<GroupRecord> written = groupLog.records(0);
        GroupMetadataRecord last = (GroupMetadataRecord) written.get(written.size() - 1);
        assertEquals(1, last.metadata().generation());
        assertEquals("range", last.metadata().protocol());
        assertEquals(members[0].memberId(), last.metadata().leader());
        assertEquals(2, last.metadata().members().size());
        assertEquals(GroupError.NONE, heartbeat(members[1].memberId(), 1));
    }

    @Test
    void syncFromAnUnknownMemberOrOldGenerationIsRefused() {
        JoinResult[] members = stableGroupOfTwo();
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, sync("nobody", 1, Map.of()).value.error());
        assertEquals(GroupError.ILLEGAL_GENERATION, sync(members[1].memberId(), 0, Map.of()).value.error());
        Box<SyncResult> wrongProtocol = new Box<>();
        coordinator.handleSyncGroup(GROUP, 1, members[1].memberId(), "consumer", "roundrobin", null, Map.of(), wrongProtocol);
        assertEquals(GroupError.INCONSISTENT_GROUP_PROTOCOL, wrongProtocol.value.error());
    }

    @Test
    void sessionTimeoutRemovesASilentMemberAndTheOthersRebalance() {
        JoinResult[] members = stableGroupOfTwo();
        String leader = members[0].memberId();
        String follower = members[1].memberId();
        for (int i = 0; i < 2; i++) {
            time.advance(4_000);
            assertEquals(GroupError.NONE, heartbeat(leader, 1));
        }
        time.advance(4_000);
        // The follower never heartbeated: it is gone and the leader is told to rejoin.
        assertNull(group().get(follower));
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        assertEquals(GroupError.REBALANCE_IN_PROGRESS, heartbeat(leader, 1));
        Box<JoinResult> rejoin = join(leader, null, range("t"));
        assertTrue(rejoin.done(), "all remaining members joined: no need to wait");
        assertEquals(2, rejoin.value.generationId());
        assertEquals(1, rejoin.value.members().size());
    }

    @Test
    void rebalanceTimeoutRemovesMembersThatDoNotRejoin() {
        JoinResult[] members = stableGroupOfTwo();
        String leader = members[0].memberId();
        String follower = members[1].memberId();
        Box<JoinResult> rejoin = join(leader, null, range("t,u"));
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        // The follower keeps heartbeating (told to rejoin) but never does.
        for (int i = 0; i < 5; i++) {
            time.advance(SESSION / 2);
            assertEquals(GroupError.REBALANCE_IN_PROGRESS, heartbeat(follower, 1));
        }
        assertFalse(rejoin.done());
        time.advance(REBALANCE);
        assertTrue(rejoin.done());
        assertEquals(2, rejoin.value.generationId());
        assertNull(group().get(follower));
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, heartbeat(follower, 1));
    }

    @Test
    void membersThatDoNotSyncInTimeAreRemoved() {
        Box<JoinResult> a = newDynamicMember("t");
        Box<JoinResult> b = newDynamicMember("t");
        time.advance(2 * DELAY);
        JoinResult leader = a.value.memberId().equals(a.value.leaderId()) ? a.value : b.value;
        JoinResult follower = leader == a.value ? b.value : a.value;
        Box<SyncResult> ls = sync(leader.memberId(), 1, Map.of(leader.memberId(), bytes("A"), follower.memberId(), bytes("B")));
        assertTrue(ls.done());
        // Both stay alive by heartbeating, but the follower never sends SyncGroup.
        for (int i = 0; i < REBALANCE / 5_000; i++) {
            time.advance(5_000);
            heartbeat(leader.memberId(), 1);
            if (group().has(follower.memberId()))
                heartbeat(follower.memberId(), 1);
        }
        assertNull(group().get(follower.memberId()), "the follower never synced");
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
    }

    @Test
    void leaveGroupRebalancesAndTheLastLeaveEmptiesTheGroup() {
        JoinResult[] members = stableGroupOfTwo();
        String leader = members[0].memberId();
        String follower = members[1].memberId();
        Box<LeaveResult> leave = new Box<>();
        coordinator.handleLeaveGroup(GROUP, List.of(new LeavingMember(follower, null, "bye")), leave);
        assertEquals(GroupError.NONE, leave.value.error());
        assertEquals(GroupError.NONE, leave.value.members().get(0).error());
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        Box<JoinResult> rejoin = join(leader, null, range("t"));
        assertEquals(2, rejoin.value.generationId());
        Box<SyncResult> s = sync(leader, 2, Map.of(leader, bytes("AB")));
        assertEquals(GroupError.NONE, s.value.error());

        coordinator.handleLeaveGroup(GROUP, List.of(new LeavingMember(leader, null, null),
            new LeavingMember("ghost", null, null)), leave);
        assertEquals(GroupError.NONE, leave.value.members().get(0).error());
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, leave.value.members().get(1).error());
        assertEquals(GroupState.EMPTY, group().state());
        assertEquals(3, group().generationId());
        GroupMetadataRecord last = (GroupMetadataRecord) groupLog.records(0).get(groupLog.records(0).size() - 1);
        assertTrue(last.metadata().members().isEmpty());
        assertEquals(3, last.metadata().generation());
    }

    @Test
    void groupMaxSizeRefusesExtraMembers() {
        start(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(DELAY).withMaxSize(2));
        newDynamicMember("t");
        newDynamicMember("t");
        Box<JoinResult> third = join(GroupCoordinator.UNKNOWN_MEMBER_ID, null, range("t"));
        assertEquals(GroupError.GROUP_MAX_SIZE_REACHED, third.value.error());
        time.advance(2 * DELAY);
        assertEquals(2, group().size());
    }

    @Test
    void aThousandJoinsWithASmallMaxSizeAreRefusedCleanly() {
        start(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(DELAY).withMaxSize(10));
        int refused = 0;
        List<Box<JoinResult>> parked = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Box<JoinResult> box = join(GROUP, GroupCoordinator.UNKNOWN_MEMBER_ID, null, false, range("t"), SESSION, REBALANCE);
            if (box.done()) {
                assertEquals(GroupError.GROUP_MAX_SIZE_REACHED, box.value.error());
                refused++;
            } else {
                parked.add(box);
            }
        }
        assertEquals(990, refused);
        time.advance(2 * DELAY);
        assertEquals(10, group().size());
        parked.forEach(b -> assertEquals(GroupError.NONE, b.value.error()));
    }

    @Test
    void inconsistentProtocolsAreRefused() {
        newDynamicMember("t");
        Box<JoinResult> other = new Box<>();
        coordinator.handleJoinGroup(GROUP, GroupCoordinator.UNKNOWN_MEMBER_ID, null, true, false, "c", "h", REBALANCE,
            SESSION, "consumer", List.of(new Protocol("roundrobin", new byte[0])), other, null);
        assertEquals(GroupError.INCONSISTENT_GROUP_PROTOCOL, other.value.error());
        coordinator.handleJoinGroup(GROUP, GroupCoordinator.UNKNOWN_MEMBER_ID, null, true, false, "c", "h", REBALANCE,
            SESSION, "connect", range("t"), other, null);
        assertEquals(GroupError.INCONSISTENT_GROUP_PROTOCOL, other.value.error());
    }

    @Test
    void sessionTimeoutOutsideTheBrokerLimitsIsRefused() {
        Box<JoinResult> box = join(GROUP, "", null, true, range("t"), 10, REBALANCE);
        assertEquals(GroupError.INVALID_SESSION_TIMEOUT, box.value.error());
    }

    @Test
    void pendingMembersThatNeverRejoinExpire() {
        Box<JoinResult> first = join(GroupCoordinator.UNKNOWN_MEMBER_ID, null, range("t"));
        assertEquals(GroupError.MEMBER_ID_REQUIRED, first.value.error());
        time.advance(SESSION);
        Box<JoinResult> late = join(first.value.memberId(), null, range("t"));
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, late.value.error());
    }

    @Test
    void cooperativeStyleRejoinKeepsFollowersInTheirGenerationUntilTheyRejoin() {
        JoinResult[] members = stableGroupOfTwo();
        String follower = members[1].memberId();
        // A follower rejoining with the same metadata in Stable just gets the current generation.
        Box<JoinResult> same = join(follower, null, range("t"));
        assertTrue(same.done());
        assertEquals(1, same.value.generationId());
        assertEquals(GroupState.STABLE, group().state());
        // With changed metadata it triggers a rebalance, and commits of generation 1 still go through meanwhile.
        Box<JoinResult> changed = join(follower, null, range("t,u"));
        assertFalse(changed.done());
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
        assertEquals(GroupError.NONE, commit(members[0].memberId(), 1, "t", 0, 5, "").values().iterator().next());
    }

    // ------------------------------------------------------------------ offsets

    @Test
    void commitsFromMembersAreStoredAndFetchedWithTheirMetadata() {
        JoinResult[] members = stableGroupOfTwo();
        Map<TopicPartitionId, GroupError> result = commit(members[0].memberId(), 1, "t", 0, 42, "meta");
        assertEquals(GroupError.NONE, result.get(new TopicPartitionId("t", 0)));
        FetchResult fetched = coordinator.handleFetchOffsets(GROUP, true, null);
        assertEquals(42, fetched.offsets().get(new TopicPartitionId("t", 0)).offset());
        assertEquals("meta", fetched.offsets().get(new TopicPartitionId("t", 0)).metadata());
        assertEquals(-1, committed("t", 1));
        OffsetCommitRecord written = (OffsetCommitRecord) groupLog.records(0).get(groupLog.records(0).size() - 1);
        assertEquals(42, written.offset().offset());
        assertEquals(time.nowMs(), written.offset().commitTimestamp());
    }

    @Test
    void commitsFromUnknownMembersOrOldGenerationsAreRefusedAndChangeNothing() {
        JoinResult[] members = stableGroupOfTwo();
        int before = groupLog.records(0).size();
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, commit("intruder", 1, "t", 0, 7, "").values().iterator().next());
        assertEquals(GroupError.ILLEGAL_GENERATION, commit(members[0].memberId(), 0, "t", 0, 7, "").values().iterator().next());
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, commit("", -1, "t", 0, 7, "").values().iterator().next(),
            "a non-empty group takes commits only from members");
        assertEquals(before, groupLog.records(0).size());
        assertEquals(-1, committed("t", 0));
        Box<Map<TopicPartitionId, GroupError>> box = new Box<>();
        coordinator.handleCommitOffsets("gone", "m", null, 3, Map.of(new TopicPartitionId("t", 0), OffsetCommit.of(1, "")), box);
        assertEquals(GroupError.ILLEGAL_GENERATION, box.value.values().iterator().next());
    }

    @Test
    void commitsDuringCompletingRebalanceAskToRejoin() {
        Box<JoinResult> a = newDynamicMember("t");
        time.advance(DELAY);
        assertEquals(GroupState.COMPLETING_REBALANCE, group().state());
        assertEquals(GroupError.REBALANCE_IN_PROGRESS, commit(a.value.memberId(), 1, "t", 0, 1, "").values().iterator().next());
    }

    @Test
    void simpleConsumersCommitWithoutGroupManagement() {
        assertEquals(GroupError.NONE, commit("", -1, "t", 3, 10, "x").values().iterator().next());
        assertEquals(10, committed("t", 3));
        assertEquals(GroupState.EMPTY, group().state());
        assertNull(group().protocolType());
    }

    @Test
    void tooLargeMetadataIsRefusedPerPartition() {
        String big = "x".repeat(5000);
        Box<Map<TopicPartitionId, GroupError>> box = new Box<>();
        Map<TopicPartitionId, OffsetCommit> commits = new HashMap<>();
        commits.put(new TopicPartitionId("t", 0), OffsetCommit.of(1, big));
        commits.put(new TopicPartitionId("t", 1), OffsetCommit.of(2, "ok"));
        coordinator.handleCommitOffsets(GROUP, "", null, -1, commits, box);
        assertEquals(GroupError.OFFSET_METADATA_TOO_LARGE, box.value.get(new TopicPartitionId("t", 0)));
        assertEquals(GroupError.NONE, box.value.get(new TopicPartitionId("t", 1)));
        assertEquals(-1, committed("t", 0));
        assertEquals(2, committed("t", 1));
    }

    @Test
    void aFailedAppendIsTranslatedAndLeavesOffsetsUnchanged() {
        commit("", -1, "t", 0, 5, "");
        groupLog.failWith = GroupError.NOT_LEADER_OR_FOLLOWER;
        assertEquals(GroupError.NOT_COORDINATOR, commit("", -1, "t", 0, 9, "").values().iterator().next());
        assertEquals(5, committed("t", 0));
    }

    @Test
    void requireStableReportsCommitsInFlight() {
        groupLog.hold = true;
        Box<Map<TopicPartitionId, GroupError>> box = new Box<>();
        coordinator.handleCommitOffsets(GROUP, "", null, -1, Map.of(new TopicPartitionId("t", 0), OffsetCommit.of(3, "")), box);
        assertFalse(box.done());
        FetchResult fetched = coordinator.handleFetchOffsets(GROUP, true, List.of(new TopicPartitionId("t", 0)));
        assertEquals(GroupError.UNSTABLE_OFFSET_COMMIT, fetched.offsets().get(new TopicPartitionId("t", 0)).error());
        groupLog.releaseAll();
        assertTrue(box.done());
        assertEquals(3, committed("t", 0));
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterRetentionAndTheGroupGoesAway() {
        start(GroupCoordinatorConfig.defaults().withInitialRebalanceDelayMs(0).withOffsetsRetentionMs(60_000));
        Box<JoinResult> a = newDynamicMember("t");
        time.advance(0);
        assertTrue(a.done());
        String id = a.value.memberId();
        sync(id, 1, Map.of(id, bytes("A")));
        commit(id, 1, "t", 0, 11, "");
        // Heartbeats keep it alive; a stable consumer group keeps offsets of subscribed topics.
        for (int i = 0; i < 30; i++) {
            heartbeat(id, 1);
            time.advance(SESSION / 2);
        }
        assertEquals(0, coordinator.cleanupExpiredOffsets());
        assertEquals(11, committed("t", 0));
        Box<LeaveResult> leave = new Box<>();
        coordinator.handleLeaveGroup(GROUP, List.of(new LeavingMember(id, null, null)), leave);
        assertEquals(GroupState.EMPTY, group().state());
        time.advance(59_000);
        assertEquals(0, coordinator.cleanupExpiredOffsets(), "retention counts from when the group became empty");
        time.advance(1_000);
        assertEquals(1, coordinator.cleanupExpiredOffsets());
        assertNull(coordinator.group(GROUP));
        List<GroupRecord> records = groupLog.records(0);
        assertTrue(records.contains(new OffsetTombstone(GROUP, new TopicPartitionId("t", 0))));
        assertTrue(records.contains(new GroupTombstone(GROUP)));
    }

    // ------------------------------------------------------------------ describe, list, delete

    @Test
    void describeListAndDelete() {
        JoinResult[] members = stableGroupOfTwo();
        GroupSummary summary = coordinator.handleDescribeGroup(GROUP);
        assertEquals("Stable", summary.state());
        assertEquals("range", summary.protocol());
        assertEquals(2, summary.members().size());
        assertEquals("/127.0.0.1", summary.members().get(0).clientHost());
        assertEquals("Dead", coordinator.handleDescribeGroup("unknown").state());

        commit("", -1, "t", 0, 1, "");
        ListResult all = coordinator.handleListGroups(List.of(), List.of());
        assertEquals(1, all.groups().size());
        assertEquals(0, coordinator.handleListGroups(List.of("empty"), List.of()).groups().size());
        assertEquals(1, coordinator.handleListGroups(List.of("STABLE"), List.of()).groups().size());
        assertEquals(0, coordinator.handleListGroups(List.of(), List.of("consumer")).groups().size());

        assertEquals(GroupError.NON_EMPTY_GROUP, coordinator.handleDeleteGroups(List.of(GROUP)).get(GROUP));
        assertEquals(GroupError.GROUP_ID_NOT_FOUND, coordinator.handleDeleteGroups(List.of("nope")).get("nope"));
        Box<LeaveResult> leave = new Box<>();
        coordinator.handleLeaveGroup(GROUP, List.of(new LeavingMember(members[0].memberId(), null, null),
            new LeavingMember(members[1].memberId(), null, null)), leave);
        time.advance(REBALANCE);
        assertEquals(GroupState.EMPTY, group().state());
        commit("", -1, "t", 1, 2, "");
        assertEquals(GroupError.NONE, coordinator.handleDeleteGroups(List.of(GROUP)).get(GROUP));
        assertNull(coordinator.group(GROUP));
        assertEquals(-1, committed("t", 1));
        assertTrue(groupLog.records(0).contains(new GroupTombstone(GROUP)));
    }

    @Test
    void offsetDeleteRespectsSubscriptions() {
        JoinResult[] members = stableGroupOfTwo();
        commit(members[0].memberId(), 1, "t", 0, 1, "");
        commit(members[0].memberId(), 1, "other", 0, 1, "");
        OffsetDeleteResult result = coordinator.handleDeleteOffsets(GROUP,
            List.of(new TopicPartitionId("t", 0), new TopicPartitionId("other", 0)));
        assertEquals(GroupError.NONE, result.error());
        assertEquals(GroupError.GROUP_SUBSCRIBED_TO_TOPIC, result.partitions().get(new TopicPartitionId("t", 0)));
        assertEquals(GroupError.NONE, result.partitions().get(new TopicPartitionId("other", 0)));
        assertEquals(1, committed("t", 0));
        assertEquals(-1, committed("other", 0));
        assertEquals(GroupError.GROUP_ID_NOT_FOUND, coordinator.handleDeleteOffsets("none", List.of()).error());
    }

    // ------------------------------------------------------------------ static membership

    @Test
    void staticMemberRestartWithinTheSessionTimeoutDoesNotRebalance() {
        Box<JoinResult> a = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "instance-a", range("t"));
        Box<JoinResult> b = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "instance-b", range("t"));
        time.advance(2 * DELAY);
        assertEquals(GroupError.NONE, a.value.error(), "static members get no MEMBER_ID_REQUIRED");
        String leader = a.value.leaderId();
        JoinResult lead = a.value.memberId().equals(leader) ? a.value : b.value;
        JoinResult follow = lead == a.value ? b.value : a.value;
        String followInstance = lead == a.value ? "instance-b" : "instance-a";
        sync(follow.memberId(), followInstance, 1, Map.of());
        sync(lead.memberId(), lead == a.value ? "instance-a" : "instance-b", 1,
            Map.of(lead.memberId(), bytes("A"), follow.memberId(), bytes("B")));
        assertEquals(GroupState.STABLE, group().state());

        // The follower restarts: a new process, unknown member id, same instance id.
        time.advance(SESSION / 2);
        heartbeat(lead.memberId(), lead == a.value ? "instance-a" : "instance-b", 1);
        Box<JoinResult> restarted = join(GroupCoordinator.UNKNOWN_MEMBER_ID, followInstance, range("t"));
        assertTrue(restarted.done());
        assertEquals(GroupError.NONE, restarted.value.error());
        assertEquals(1, restarted.value.generationId(), "no new generation");
        assertNotEquals(follow.memberId(), restarted.value.memberId());
        assertEquals(leader, restarted.value.leaderId());
        assertEquals(GroupState.STABLE, group().state());
        Box<SyncResult> s = sync(restarted.value.memberId(), followInstance, 1, Map.of());
        assertArrayEquals(bytes("B"), s.value.assignment(), "keeps its assignment");
        // The old process is fenced.
        assertEquals(GroupError.FENCED_INSTANCE_ID, heartbeat(follow.memberId(), followInstance, 1));
        Box<Map<TopicPartitionId, GroupError>> c = new Box<>();
        coordinator.handleCommitOffsets(GROUP, follow.memberId(), followInstance, 1,
            Map.of(new TopicPartitionId("t", 0), OffsetCommit.of(1, "")), c);
        assertEquals(GroupError.FENCED_INSTANCE_ID, c.value.values().iterator().next());
    }

    @Test
    void staticLeaderRejoiningWithV9LearnsItLeadsButSkipsAssignment() {
        Box<JoinResult> a = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "i", range("t"));
        time.advance(DELAY);
        sync(a.value.memberId(), "i", 1, Map.of(a.value.memberId(), bytes("A")));
        Box<JoinResult> again = new Box<>();
        coordinator.handleJoinGroup(GROUP, "", "i", false, true, "client", "h", REBALANCE, SESSION, "consumer",
            range("t"), again, null);
        assertTrue(again.value.skipAssignment());
        assertEquals(again.value.memberId(), again.value.leaderId());
        assertEquals(1, again.value.members().size());
    }

    @Test
    void staticMemberExpiresAfterItsSessionTimeout() {
        Box<JoinResult> a = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "ia", range("t"));
        Box<JoinResult> b = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "ib", range("t"));
        time.advance(2 * DELAY);
        String aId = a.value.memberId();
        String bId = b.value.memberId();
        sync(aId, "ia", 1, Map.of(aId, bytes("A"), bId, bytes("B")));
        sync(bId, "ib", 1, Map.of(aId, bytes("A"), bId, bytes("B")));
        for (int i = 0; i < 4; i++) {
            time.advance(SESSION / 2);
            heartbeat(aId, "ia", 1);
        }
        assertFalse(group().hasStaticMember("ib"));
        assertEquals(GroupState.PREPARING_REBALANCE, group().state());
    }

    @Test
    void staticMemberWithWrongMemberIdIsFenced() {
        Box<JoinResult> a = join(GroupCoordinator.UNKNOWN_MEMBER_ID, "ia", range("t"));
        time.advance(DELAY);
        Box<JoinResult> imposter = join("someone-else", "ia", range("t"));
        assertEquals(GroupError.FENCED_INSTANCE_ID, imposter.value.error());
        Box<JoinResult> unknownInstance = join(a.value.memberId(), "ix", range("t"));
        assertEquals(GroupError.UNKNOWN_MEMBER_ID, unknownInstance.value.error());
        Box<LeaveResult> leave = new Box<>();
        coordinator.handleLeaveGroup(GROUP, List.of(new LeavingMember("", "ia", "admin")), leave);
        assertEquals(GroupError.NONE, leave.value.members().get(0).error());
        assertFalse(group().hasStaticMember("ia"));
    }

    // ------------------------------------------------------------------ loading and ownership

    @Test
    void requestsForUnownedOrLoadingPartitionsAreRefused() {
        GroupCoordinator two = new GroupCoordinator(GroupCoordinatorConfig.defaults(), time, groupLog,
            GroupCoordinatorTest::parseTopics, 1);
        Box<JoinResult> box = new Box<>();
        two.handleJoinGroup(GROUP, "", null, true, false, "c", "h", REBALANCE, SESSION, "consumer", range("t"), box, null);
        assertEquals(GroupError.NOT_COORDINATOR, box.value.error());
        two.beginLoad(0);
        two.handleJoinGroup(GROUP, "", null, true, false, "c", "h", REBALANCE, SESSION, "consumer", range("t"), box, null);
        assertEquals(GroupError.COORDINATOR_LOAD_IN_PROGRESS, box.value.error());
        assertEquals(GroupError.COORDINATOR_LOAD_IN_PROGRESS, two.handleFetchOffsets(GROUP, false, null).error());
        Box<SyncResult> sync = new Box<>();
        two.handleSyncGroup(GROUP, 1, "m", null, null, null, Map.of(), sync);
        assertEquals(GroupError.REBALANCE_IN_PROGRESS, sync.value.error());
        Box<GroupError> hb = new Box<>();
        two.handleHeartbeat(GROUP, "m", null, 1, hb);
        assertEquals(GroupError.NONE, hb.value);
        assertEquals(GroupError.COORDINATOR_LOAD_IN_PROGRESS, two.handleListGroups(List.of(), List.of()).error());
        two.handleJoinGroup("", "", null, true, false, "c", "h", REBALANCE, SESSION, "consumer", range("t"), box, null);
        assertEquals(GroupError.INVALID_GROUP_ID, box.value.error());
    }

    @Test
    void reloadRebuildsGroupsAndOffsetsFromTheLog() {
        JoinResult[] members = stableGroupOfTwo();
        commit(members[0].memberId(), 1, "t", 0, 100, "m0");
        commit(members[0].memberId(), 1, "t", 0, 101, "m1");
        commit(members[0].memberId(), 1, "t", 1, 50, "");
        coordinator.handleDeleteOffsets(GROUP, List.of(new TopicPartitionId("other", 0)));
        Box<Map<TopicPartitionId, GroupError>> box = new Box<>();
        coordinator.handleCommitOffsets("simple", "", null, -1, Map.of(new TopicPartitionId("s", 0), OffsetCommit.of(7, "")), box);
        coordinator.handleCommitOffsets("deleted", "", null, -1, Map.of(new TopicPartitionId("s", 0), OffsetCommit.of(8, "")), box);
        coordinator.handleDeleteGroups(List.of("deleted"));

        coordinator.shutdown();
        GroupCoordinator reloaded = new GroupCoordinator(GroupCoordinatorConfig.defaults(), time, groupLog,
            GroupCoordinatorTest::parseTopics, 1);
        reloaded.beginLoad(0);
        reloaded.completeLoad(0, groupLog.loaded(0));
        Group group = reloaded.group(GROUP);
        assertNotNull(group);
        assertEquals(GroupState.STABLE, group.state());
        assertEquals(1, group.generationId());
        assertEquals(2, group.size());
        assertEquals(members[0].memberId(), group.leaderOrNull());
        assertArrayEquals(bytes("B"), group.get(members[1].memberId()).assignment());
        assertEquals(101, group.offset(new TopicPartitionId("t", 0)).offset());
        assertEquals("m1", group.offset(new TopicPartitionId("t", 0)).metadata());
        assertEquals(50, group.offset(new TopicPartitionId("t", 1)).offset());
        assertEquals(7, reloaded.group("simple").offset(new TopicPartitionId("s", 0)).offset());
        assertNull(reloaded.group("deleted"));
        // Members still heartbeat to the new coordinator; a silent one expires.
        Box<GroupError> hb = new Box<>();
        reloaded.handleHeartbeat(GROUP, members[0].memberId(), null, 1, hb);
        assertEquals(GroupError.NONE, hb.value);
        time.advance(SESSION / 2);
        reloaded.handleHeartbeat(GROUP, members[0].memberId(), null, 1, hb);
        time.advance(SESSION / 2);
        assertEquals(GroupState.PREPARING_REBALANCE, group.state());
    }

    @Test
    void unloadingAnswersParkedRequestsWithNotCoordinator() {
        Box<JoinResult> a = newDynamicMember("t");
        coordinator.unloadPartition(0);
        assertEquals(GroupError.NOT_COORDINATOR, a.value.error());
        assertNull(coordinator.group(GROUP));
        assertEquals(0, time.pending(), "no timers of the dead group are left");
    }

    @Test
    void partitionForFollowsKafka() {
        // Utils.abs(hashCode) % n, with abs(MIN_VALUE) = 0.
        assertEquals(Math.abs("my-group".hashCode()) % 50, GroupCoordinator.partitionFor("my-group", 50));
        String negative = "polygenelubricants";
        assertEquals(Integer.MIN_VALUE, negative.hashCode());
        assertEquals(0, GroupCoordinator.partitionFor(negative, 50));
    }
}
