package io.gregor.broker.cluster;

import static io.gregor.broker.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.gregor.broker.KafkaTool;

/**
 * Preferred leader election as Kafka's docs describe it: leadership that failed over stays where it went when the
 * preferred replica comes back, until kafka-leader-election (or the admin client) moves it back, or the controller
 * does so itself with {@code auto.leader.rebalance.enable}. Broker 2 is the preferred leader of every partition here.
 */
@Timeout(120)
class PreferredLeadershipTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LEADER_ELECTION = "org.apache.kafka.tools.LeaderElectionCommand";
    private static final int PREFERRED = 2;

    @Test
    void leadershipStaysMovedUntilAnElectionMovesItBack() throws Exception {
        try (TestCluster cluster = TestCluster.start(3, Map.of("auto.leader.rebalance.enable", "false"));
             Admin admin = cluster.admin()) {
            createTopic(admin, "elect", Map.of(0, List.of(2, 3, 1), 1, List.of(2, 1, 3), 2, List.of(2, 3, 1)));
            restartPreferredLeader(cluster, admin, "elect");
            assertEquals(List.of(3, 1, 3), leaders(admin, "elect"), "leadership stays with the replicas it failed over to");

            TopicPartition first = new TopicPartition("elect", 0);
            assertEquals(Optional.empty(), electPreferred(admin, first));
            assertEquals(List.of(2, 1, 3), leaders(admin, "elect"));
            assertInstanceOf(ElectionNotNeededException.class, electPreferred(admin, first).orElseThrow());
            assertInstanceOf(ElectionNotNeededException.class, admin.electLeaders(ElectionType.UNCLEAN, Set.of(first))
                .partitions().get().get(first).orElseThrow(), "a partition with a live leader needs no unclean election");
            TopicPartition missing = new TopicPartition("elect", 3);
            assertInstanceOf(UnknownTopicOrPartitionException.class, electPreferred(admin, missing).orElseThrow());

            KafkaTool.Result one = KafkaTool.run(LEADER_ELECTION, "--bootstrap-server", cluster.bootstrap(),
                "--election-type", "preferred", "--topic", "elect", "--partition", "1");
            assertEquals(0, one.exitCode(), one.describe());
            assertTrue(one.stdout().contains("Successfully completed leader election (PREFERRED) for partitions elect-1"),
                one.describe());

            KafkaTool.Result all = KafkaTool.run(LEADER_ELECTION, "--bootstrap-server", cluster.bootstrap(),
                "--election-type", "preferred", "--all-topic-partitions");
            assertEquals(0, all.exitCode(), all.describe());
            assertTrue(all.stdout().contains("Successfully completed leader election (PREFERRED) for partitions elect-2"),
                all.describe());
            assertTrue(all.stdout().contains("Valid replica already elected for partitions"), all.describe());
            assertEquals(List.of(2, 2, 2), leaders(admin, "elect"));

            for (short version = 0; version <= ApiKeys.ELECT_LEADERS.latestVersion(); version++) {
                ElectLeadersResponse response = call(cluster.broker(1).listener().port(),
                    new ElectLeadersRequest.Builder(ElectionType.PREFERRED, null, 10_000).build(version));
                List<Errors> errors = response.data().replicaElectionResults().stream()
                    .flatMap(topic -> topic.partitionResult().stream()).map(p -> Errors.forCode(p.errorCode())).toList();
                assertEquals(List.of(Errors.ELECTION_NOT_NEEDED, Errors.ELECTION_NOT_NEEDED, Errors.ELECTION_NOT_NEEDED),
                    errors, "v" + version + ", all partitions");
            }
        }
    }

    @Test
    void autoLeaderRebalanceMovesLeadershipBack() throws Exception {
        Map<String, String> rebalance = Map.of("auto.leader.rebalance.enable", "true",
            "leader.imbalance.check.interval.seconds", "1");
        try (TestCluster cluster = TestCluster.start(3, rebalance); Admin admin = cluster.admin()) {
            createTopic(admin, "auto", Map.of(0, List.of(2, 3, 1)));
            restartPreferredLeader(cluster, admin, "auto");
            await("leadership back on broker " + PREFERRED, WAIT, () -> leaders(admin, "auto").equals(List.of(PREFERRED)));
        }
    }

    private static void createTopic(Admin admin, String topic, Map<Integer, List<Integer>> assignment) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, assignment))).all().get();
        awaitInSync(admin, topic);
    }

    /** Stops the preferred leader, waits for leadership to fail over, then starts it again and waits until it is in sync. */
    private static void restartPreferredLeader(TestCluster cluster, Admin admin, String topic) throws Exception {
        cluster.stopBroker(PREFERRED);
        await("leadership off broker " + PREFERRED, WAIT, () -> !leaders(admin, topic).contains(PREFERRED));
        cluster.startBroker(PREFERRED);
        awaitInSync(admin, topic);
    }

    /** One request on a connection of its own, for the versions the admin client no longer sends. */
    private static <R extends AbstractResponse> R call(int port, AbstractRequest request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw", 1);
            ByteBuffer frame = request.serializeWithHeader(header);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            @SuppressWarnings("unchecked")
            R parsed = (R) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            return parsed;
        }
    }

    private static Optional<Throwable> electPreferred(Admin admin, TopicPartition partition) throws Exception {
        return admin.electLeaders(ElectionType.PREFERRED, Set.of(partition)).partitions().get().get(partition);
    }

    private static void awaitInSync(Admin admin, String topic) throws InterruptedException {
        await(topic + " fully in sync", WAIT, () -> partitions(admin, topic).stream()
            .allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size()));
    }

    /** The leader of every partition, in partition order; -1 for none. */
    private static List<Integer> leaders(Admin admin, String topic) {
        return partitions(admin, topic).stream().map(p -> Optional.ofNullable(p.leader()).map(Node::id).orElse(-1)).toList();
    }

    private static List<TopicPartitionInfo> partitions(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot describe " + topic, e);
        }
    }
}
