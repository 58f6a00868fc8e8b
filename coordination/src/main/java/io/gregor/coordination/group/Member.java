package io.gregor.coordination.group;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import io.gregor.coordination.group.Results.JoinResult;
import io.gregor.coordination.group.Results.MemberSummary;
import io.gregor.coordination.group.Results.SyncResult;

/** One member of a classic group (Kafka's MemberMetadata). Mutated only by the coordinator's thread. */
public final class Member {
    private static final byte[] EMPTY = new byte[0];

    String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    final String protocolType;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> supportedProtocols;
    byte[] assignment = EMPTY;
    Consumer<JoinResult> awaitingJoin;
    Consumer<SyncResult> awaitingSync;
    /** Joined but not yet through a completed join phase: may expire while awaiting join. */
    boolean isNew;
    GroupScheduler.Cancellable heartbeatTimer;

    Member(String memberId, String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
           int sessionTimeoutMs, String protocolType, List<Protocol> supportedProtocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocolType = protocolType;
        this.supportedProtocols = List.copyOf(supportedProtocols);
    }

    public String memberId() {
        return memberId;
    }

    public String groupInstanceId() {
        return groupInstanceId;
    }

    public String clientId() {
        return clientId;
    }

    public String clientHost() {
        return clientHost;
    }

    public int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    public int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    public byte[] assignment() {
        return assignment;
    }

    public boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    boolean isAwaitingSync() {
        return awaitingSync != null;
    }

    /**
     * Whether a session expiry now leaves the member alone: members parked in a rebalance are
     * covered by the rebalance timeouts instead, except new members, which must complete a join.
     */
    boolean survivesSessionExpiry() {
        if (isNew)
            return false;
        return isAwaitingJoin() || isAwaitingSync();
    }

    byte[] metadata(String protocol) {
        for (Protocol p : supportedProtocols) {
            if (p.name().equals(protocol))
                return p.metadata();
        }
        throw new IllegalArgumentException("Member " + memberId + " does not support protocol " + protocol);
    }

    /** Same protocols with the same metadata, in the same order. */
    boolean matches(List<Protocol> protocols) {
        if (protocols.size() != supportedProtocols.size())
            return false;
        for (int i = 0; i < protocols.size(); i++) {
            if (!protocols.get(i).sameAs(supportedProtocols.get(i)))
                return false;
        }
        return true;
    }

    /** The member's most preferred protocol among the candidates. */
    String vote(Set<String> candidates) {
        for (Protocol p : supportedProtocols) {
            if (candidates.contains(p.name()))
                return p.name();
        }
        throw new IllegalArgumentException("Member " + memberId + " does not support any of the candidates " + candidates);
    }

    MemberSummary summary(String protocol) {
        return new MemberSummary(memberId, groupInstanceId, clientId, clientHost, metadata(protocol), assignment);
    }

    MemberSummary summaryNoMetadata() {
        return new MemberSummary(memberId, groupInstanceId, clientId, clientHost, EMPTY, EMPTY);
    }

    @Override
    public String toString() {
        return "Member(memberId=" + memberId + ", groupInstanceId=" + groupInstanceId + ", clientId=" + clientId
            + ", clientHost=" + clientHost + ", sessionTimeoutMs=" + sessionTimeoutMs + ", rebalanceTimeoutMs="
            + rebalanceTimeoutMs + ", supportedProtocols=" + supportedProtocols + ")";
    }
}
