package io.gregor.coordination.zk;

import static io.gregor.coordination.zk.ZkTests.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZkMetadataStoreTest {

  private static final AtomicInteger CHROOTS = new AtomicInteger();

  @TempDir
  static Path dir;
  static EmbeddedZooKeeper server;
  static CuratorFramework root;

  String chroot;
  ZkMetadataStore store;

  @BeforeAll
  static void startServer() throws Exception {
    server = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0);
    root = ZkTests.rootClient(server);
  }

  @AfterAll
  static void stopServer() {
    root.close();
    server.close();
  }

  @BeforeEach
  void connect() {
    chroot = "/gregor-test-" + CHROOTS.incrementAndGet();
    store = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000);
    store.ensurePersistentPaths();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private byte[] raw(String path) throws Exception {
    return root.getData().forPath(chroot + path);
  }

  private JsonObject json(String path) throws Exception {
    return new JsonObject(text(raw(path)));
  }

  private Stat stat(String path) throws Exception {
    return root.checkExists().forPath(chroot + path);
  }

  // ---- chroot and startup paths --------------------------------------------------------------------------

  /** Container znodes (which a ZooKeeper ensemble deletes once they become empty), as the server sees them. */
  private static Set<String> containers() {
    return server.server().getZKDatabase().getDataTree().getContainers();
  }

  @Test
  void createsTheChrootAndKafkasPersistentPathsAsPersistentZnodes() throws Exception {
    Stat chrootStat = root.checkExists().forPath(chroot);
    assertNotNull(chrootStat, "chroot created");
    assertEquals(0, chrootStat.getEphemeralOwner(), "not ephemeral");
    assertFalse(containers().contains(chroot), "not a container");
    for (String path : List.of("/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/topics", "/config/changes",
        "/config/brokers", "/config/clients", "/config/users", "/config/ips", "/admin/delete_topics",
        "/isr_change_notification", "/latest_producer_id_block", "/log_dir_event_notification", "/consumers")) {
      Stat s = stat(path);
      assertNotNull(s, path);
      assertEquals(0, s.getEphemeralOwner(), path + " not ephemeral");
      assertFalse(containers().contains(chroot + path), path + " not a container");
    }
    assertFalse(containers().contains(chroot + "/brokers"));
    assertFalse(containers().contains(chroot + "/config"));
    assertFalse(containers().contains(chroot + "/admin"));
    store.ensurePersistentPaths(); // idempotent
  }

  @Test
  void nestedChrootThroughAnotherClientsNamespaceIsCreatedPersistent() throws Exception {
    // control: Curator creates a namespace lazily as container znodes
    root.usingNamespace("lazy-ns").create().forPath("/x", new byte[0]);
    assertTrue(containers().contains("/lazy-ns"));

    // as the broker will do with the cluster manager's Curator: any client, usingNamespace(chroot)
    try (ZkMetadataStore viaNamespace = ZkMetadataStore.forChroot(root.usingNamespace("io.vertx"), "/kafka/nested/")) {
      viaNamespace.ensurePersistentPaths();
      assertNotNull(root.checkExists().forPath("/kafka/nested/brokers/ids"));
      assertFalse(containers().contains("/kafka"));
      assertFalse(containers().contains("/kafka/nested"));
      assertEquals("kafka/nested", viaNamespace.client().getNamespace());
    }
    // a store over a plain namespaced client creates the namespace as persistent in ensurePersistentPaths
    try (ZkMetadataStore plain = new ZkMetadataStore(root.usingNamespace("plain-ns"))) {
      plain.ensurePersistentPaths();
      assertFalse(containers().contains("/plain-ns"));
      assertNotNull(root.checkExists().forPath("/plain-ns/config/changes"));
    }
  }

  // ---- cluster id ----------------------------------------------------------------------------------------

  @Test
  void clusterIdIsCreatedOnceInKafkasFormat() throws Exception {
    String id = store.getOrCreateClusterId();
    assertEquals(22, id.length());
    assertEquals(id, Uuid.fromString(id).toString());
    assertEquals("{\"version\":\"1\",\"id\":\"" + id + "\"}", text(raw("/cluster/id")));
    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000)) {
      assertEquals(id, other.getOrCreateClusterId());
    }
  }

  // ---- brokers -------------------------------------------------------------------------------------------

  @Test
  void brokerRegistrationIsEphemeralKafkaJson() throws Exception {
    long before = System.currentTimeMillis();
    BrokerRegistration b0 = new BrokerRegistration(0, "127.0.0.1", 9092, "rack-a");
    store.registerBroker(b0);
    JsonObject j = json("/brokers/ids/0");
    assertEquals(new JsonObject().put("PLAINTEXT", "PLAINTEXT"), j.getJsonObject("listener_security_protocol_map"));
    assertEquals(List.of("PLAINTEXT://127.0.0.1:9092"), j.getJsonArray("endpoints").getList());
    assertEquals(-1, j.getInteger("jmx_port"));
    assertEquals(new JsonObject(), j.getJsonObject("features"));
    assertEquals("127.0.0.1", j.getString("host"));
    assertEquals(9092, j.getInteger("port"));
    assertEquals(5, j.getInteger("version"));
    assertEquals("rack-a", j.getString("rack"));
    long ts = Long.parseLong(j.getString("timestamp"));
    assertTrue(ts >= before && ts <= System.currentTimeMillis());
    assertEquals(9, j.size());
    assertNotEquals(0, stat("/brokers/ids/0").getEphemeralOwner(), "ephemeral");

    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000)) {
      BrokerRegistration b1 = new BrokerRegistration(1, "127.0.0.1", 9093);
      other.registerBroker(b1);
      assertFalse(json("/brokers/ids/1").containsKey("rack"));
      assertEquals(List.of(b0, b1), store.liveBrokers());
    }
    // closing the other session removed its ephemeral registration at once
    assertEquals(List.of(b0), store.liveBrokers());
  }

  @Test
  void registeringAnIdHeldByAnotherLiveSessionFailsClearly() {
    store.registerBroker(new BrokerRegistration(5, "127.0.0.1", 9092));
    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000)) {
      long start = System.nanoTime();
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> other.registerBroker(new BrokerRegistration(5, "127.0.0.1", 9099), 300));
      assertTrue(e.getMessage().startsWith("Broker id 5 is already registered by another process"), e.getMessage());
      assertTrue(System.nanoTime() - start >= 300_000_000L, "waited for the stale node");
    }
  }

  @Test
  void registrationWaitsForTheNodeOfAPreviousSessionToVanish() throws Exception {
    ZkMetadataStore previous = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000);
    previous.registerBroker(new BrokerRegistration(6, "127.0.0.1", 9092));
    Thread closer = new Thread(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      previous.close();
    });
    closer.start();
    store.registerBroker(new BrokerRegistration(6, "127.0.0.1", 9094));
    closer.join();
    assertEquals(List.of(new BrokerRegistration(6, "127.0.0.1", 9094, null)), store.liveBrokers());
  }

  @Test
  void reRegistersAfterTheSessionExpires() throws Exception {
    store.registerBroker(new BrokerRegistration(7, "127.0.0.1", 9092));
    long oldSession = stat("/brokers/ids/7").getEphemeralOwner();
    // expire the store's session the classic way: a second client on the same session id closes it
    var zk = store.client().getZookeeperClient().getZooKeeper();
    var killer = new org.apache.zookeeper.ZooKeeper(server.connectString(), 6000, e -> { }, zk.getSessionId(),
        zk.getSessionPasswd());
    ZkTests.await("killer connected", Duration.ofSeconds(5), () -> killer.getState().isConnected());
    killer.close();
    ZkTests.await("re-registration", Duration.ofSeconds(20), () -> {
      try {
        Stat s = stat("/brokers/ids/7");
        return s != null && s.getEphemeralOwner() != oldSession;
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals(List.of(new BrokerRegistration(7, "127.0.0.1", 9092)), store.liveBrokers());
  }

  @Test
  void unregisterDeletesOnlyOurOwnNode() throws Exception {
    store.registerBroker(new BrokerRegistration(8, "127.0.0.1", 9092));
    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000)) {
      other.unregisterBroker(8);
      assertNotNull(stat("/brokers/ids/8"));
    }
    store.unregisterBroker(8);
    assertNull(stat("/brokers/ids/8"));
    assertEquals(List.of(), store.liveBrokers());
  }

  // ---- topics --------------------------------------------------------------------------------------------

  private static TopicAssignment assignment(String topic, Uuid id) {
    return new TopicAssignment(topic, id, Map.of(0, List.of(0, 1), 1, List.of(1, 0)));
  }

  private static Map<Integer, PartitionState> states() {
    return Map.of(0, PartitionState.of(0, 0, List.of(0, 1), 1), 1, PartitionState.of(1, 0, List.of(1, 0), 1));
  }

  @Test
  void createTopicWritesKafkasNodes() throws Exception {
    Uuid id = Uuid.randomUuid();
    store.createTopic(assignment("orders", id), Map.of("retention.ms", "1000", "cleanup.policy", "delete"), states());

    JsonObject topic = json("/brokers/topics/orders");
    assertEquals(3, topic.getInteger("version"));
    assertEquals(id.toString(), topic.getString("topic_id"));
    assertEquals(new JsonObject().put("0", new io.vertx.core.json.JsonArray(List.of(0, 1)))
        .put("1", new io.vertx.core.json.JsonArray(List.of(1, 0))), topic.getJsonObject("partitions"));
    assertEquals(new JsonObject(), topic.getJsonObject("adding_replicas"));
    assertEquals(new JsonObject(), topic.getJsonObject("removing_replicas"));
    assertEquals(5, topic.size());

    assertEquals("{\"controller_epoch\":1,\"leader\":0,\"version\":1,\"leader_epoch\":0,\"isr\":[0,1]}",
        text(raw("/brokers/topics/orders/partitions/0/state")));
    assertEquals("{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":0,\"isr\":[1,0]}",
        text(raw("/brokers/topics/orders/partitions/1/state")));
    assertArrayEquals(new byte[0], raw("/brokers/topics/orders/partitions"), "no Curator default data");
    assertEquals("{\"version\":1,\"config\":{\"cleanup.policy\":\"delete\",\"retention.ms\":\"1000\"}}",
        text(raw("/config/topics/orders")));

    assertEquals(assignment("orders", id), store.topic("orders").orElseThrow());
    assertEquals(Map.of("orders", assignment("orders", id)), store.topics());
    assertEquals(Map.of("cleanup.policy", "delete", "retention.ms", "1000"), store.topicConfigs("orders"));
    Map<Integer, PartitionState> read = store.partitionStates("orders");
    assertEquals(states().get(0).withZkVersion(0), read.get(0));
    assertEquals(states().get(1).withZkVersion(0), read.get(1));
    assertTrue(store.topic("missing").isEmpty());
    assertEquals(Map.of(), store.partitionStates("missing"));
    assertEquals(Map.of(), store.topicConfigs("missing"));
  }

  @Test
  void secondCreateOfATopicFailsAndChangesNothing() throws Exception {
    Uuid id = Uuid.randomUuid();
    store.createTopic(assignment("dup", id), Map.of("retention.ms", "1"), states());
    byte[] topicBefore = raw("/brokers/topics/dup");
    byte[] configBefore = raw("/config/topics/dup");
    TopicAssignment other = new TopicAssignment("dup", Uuid.randomUuid(), Map.of(0, List.of(2), 1, List.of(2), 2, List.of(2)));
    assertThrows(TopicExistsException.class, () -> store.createTopic(other, Map.of("retention.ms", "2"),
        Map.of(2, PartitionState.of(2, 0, List.of(2), 1))));
    assertArrayEquals(topicBefore, raw("/brokers/topics/dup"));
    assertArrayEquals(configBefore, raw("/config/topics/dup"));
    assertNull(stat("/brokers/topics/dup/partitions/2"));
  }

  @Test
  void createTopicIsAllOrNothing() throws Exception {
    // a config node the store may not write makes the last operation of the transaction fail
    List<ACL> readOnly = List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.DELETE | ZooDefs.Perms.ADMIN,
        ZooDefs.Ids.ANYONE_ID_UNSAFE));
    root.create().withACL(readOnly).forPath(chroot + "/config/topics/locked", "{}".getBytes(StandardCharsets.UTF_8));
    assertThrows(KafkaException.class, () -> store.createTopic(assignment("locked", Uuid.randomUuid()), Map.of(), states()));
    assertNull(stat("/brokers/topics/locked"), "topic node rolled back");
    assertTrue(store.topics().isEmpty());
    // once the leftover config is writable the same create goes through and replaces it
    root.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(chroot + "/config/topics/locked");
    store.createTopic(assignment("locked", Uuid.randomUuid()), Map.of("a", "b"), states());
    assertEquals(Map.of("a", "b"), store.topicConfigs("locked"));
  }

  @Test
  void createTopicRecreatesMissingParentsAndChecksStates() {
    try (ZkMetadataStore fresh = ZkMetadataStore.connect(server.connectString() + chroot + "-bare", 6000, 5000)) {
      fresh.createTopic(assignment("t", Uuid.randomUuid()), Map.of(), Map.of());
      assertEquals(Set.of("t"), fresh.topics().keySet());
      assertEquals(Map.of(), fresh.partitionStates("t"));
      assertThrows(IllegalArgumentException.class, () -> fresh.createTopic(assignment("u", Uuid.randomUuid()), Map.of(),
          Map.of(9, PartitionState.of(0, 0, List.of(0), 1))));
    }
  }

  @Test
  void addPartitionsKeepsTopicIdAndReassignmentFields() throws Exception {
    Uuid id = Uuid.randomUuid();
    store.createTopic(assignment("grow", id), Map.of(), states());
    // pretend a reassignment is in flight, as Kafka would record it
    JsonObject current = json("/brokers/topics/grow");
    current.put("adding_replicas", new JsonObject().put("0", new io.vertx.core.json.JsonArray(List.of(2))));
    root.setData().forPath(chroot + "/brokers/topics/grow", current.encode().getBytes(StandardCharsets.UTF_8));

    store.addPartitions("grow", Map.of(2, List.of(0, 1), 3, List.of(1, 0)),
        Map.of(2, PartitionState.of(0, 0, List.of(0, 1), 1), 3, PartitionState.of(1, 0, List.of(1, 0), 1)));
    JsonObject after = json("/brokers/topics/grow");
    assertEquals(id.toString(), after.getString("topic_id"));
    assertEquals(3, after.getInteger("version"));
    assertEquals(List.of(2), after.getJsonObject("adding_replicas").getJsonArray("0").getList());
    assertEquals(Set.of("0", "1", "2", "3"), after.getJsonObject("partitions").fieldNames());
    assertEquals(4, store.topic("grow").orElseThrow().partitionCount());
    assertEquals(Set.of(0, 1, 2, 3), store.partitionStates("grow").keySet());

    assertThrows(InvalidPartitionsException.class, () -> store.addPartitions("grow", Map.of(3, List.of(0)), Map.of()));
    assertThrows(UnknownTopicOrPartitionException.class, () -> store.addPartitions("nope", Map.of(0, List.of(0)), Map.of()));
    // a state for a partition that exists already: conflict, and the assignment is left as it was
    byte[] before = raw("/brokers/topics/grow");
    root.create().creatingParentsIfNeeded().forPath(chroot + "/brokers/topics/grow/partitions/4/state", new byte[0]);
    assertThrows(ZkVersionConflictException.class, () -> store.addPartitions("grow", Map.of(4, List.of(0)),
        Map.of(4, PartitionState.of(0, 0, List.of(0), 1))));
    assertArrayEquals(before, raw("/brokers/topics/grow"));
  }

  @Test
  void partitionStateUpdatesAreConditional() throws Exception {
    store.createTopic(assignment("cas", Uuid.randomUuid()), Map.of(), Map.of(0, PartitionState.of(0, 0, List.of(0, 1), 1)));
    PartitionState read = store.partitionStates("cas").get(0);
    assertEquals(0, read.zkVersion());

    PartitionState shrunk = new PartitionState(0, 0, List.of(0), 1, read.zkVersion());
    int v1 = store.updatePartitionState("cas", 0, shrunk);
    assertEquals(1, v1);
    assertEquals(shrunk.withZkVersion(1), store.partitionStates("cas").get(0));

    // a writer still holding version 0 loses
    PartitionState stale = new PartitionState(1, 1, List.of(1), 1, read.zkVersion());
    assertThrows(ZkVersionConflictException.class, () -> store.updatePartitionState("cas", 0, stale));
    assertEquals(shrunk.withZkVersion(1), store.partitionStates("cas").get(0));
    assertThrows(ZkVersionConflictException.class, () -> store.updatePartitionState("cas", 1, stale));

    // partition 1 had no state: create it once
    assertEquals(0, store.createPartitionState("cas", 1, PartitionState.of(1, 0, List.of(1, 0), 1)));
    assertThrows(ZkVersionConflictException.class,
        () -> store.createPartitionState("cas", 1, PartitionState.of(1, 0, List.of(1, 0), 1)));
    assertEquals(2, store.updatePartitionState("cas", 0, new PartitionState(1, 1, List.of(1), 2, 1)));
  }

  // ---- configs -------------------------------------------------------------------------------------------

  @Test
  void setTopicConfigsWritesConfigAndChangeNotification() throws Exception {
    store.createTopic(assignment("cfg", Uuid.randomUuid()), Map.of(), states());
    assertEquals("{\"version\":1,\"config\":{}}", text(raw("/config/topics/cfg")));
    store.setTopicConfigs("cfg", Map.of("retention.ms", "5000", "min.insync.replicas", "2"));
    assertEquals("{\"version\":1,\"config\":{\"min.insync.replicas\":\"2\",\"retention.ms\":\"5000\"}}",
        text(raw("/config/topics/cfg")));
    assertEquals(Map.of("retention.ms", "5000", "min.insync.replicas", "2"), store.topicConfigs("cfg"));
    assertEquals(List.of("config_change_0000000000"), root.getChildren().forPath(chroot + "/config/changes"));
    assertEquals("{\"version\":2,\"entity_path\":\"topics/cfg\"}", text(raw("/config/changes/config_change_0000000000")));

    store.setTopicConfigs("cfg", Map.of());
    assertEquals(Map.of(), store.topicConfigs("cfg"));
    assertEquals(2, root.getChildren().forPath(chroot + "/config/changes").size());
    assertThrows(UnknownTopicOrPartitionException.class, () -> store.setTopicConfigs("nope", Map.of("a", "b")));

    assertEquals(0, store.purgeConfigChangeNotifications(60_000));
    Thread.sleep(20);
    assertEquals(2, store.purgeConfigChangeNotifications(1));
    assertEquals(List.of(), root.getChildren().forPath(chroot + "/config/changes"));
  }

  // ---- deletion ------------------------------------------------------------------------------------------

  @Test
  void deletionMarkerAndDeleteTopic() throws Exception {
    store.createTopic(assignment("gone", Uuid.randomUuid()), Map.of("a", "b"), states());
    store.createTopic(assignment("kept", Uuid.randomUuid()), Map.of(), states());
    assertEquals(Set.of(), store.topicsMarkedForDeletion());
    assertTrue(store.markTopicForDeletion("gone"));
    assertFalse(store.markTopicForDeletion("gone"));
    assertEquals(Set.of("gone"), store.topicsMarkedForDeletion());
    assertEquals(0, stat("/admin/delete_topics/gone").getEphemeralOwner());
    assertFalse(containers().contains(chroot + "/admin/delete_topics/gone"));
    assertThrows(UnknownTopicOrPartitionException.class, () -> store.markTopicForDeletion("never"));

    store.deleteTopic("gone");
    assertNull(stat("/brokers/topics/gone"));
    assertNull(stat("/config/topics/gone"));
    assertNull(stat("/admin/delete_topics/gone"));
    assertEquals(Set.of("kept"), store.topics().keySet());
    assertEquals(Set.of(), store.topicsMarkedForDeletion());
    assertNotNull(stat("/admin/delete_topics"), "the parent stays");
    store.deleteTopic("gone"); // nothing left: no-op
  }

  @Test
  void deletesTopicsWithManyPartitionsInBatches() throws Exception {
    Map<Integer, List<Integer>> replicas = new java.util.TreeMap<>();
    Map<Integer, PartitionState> states = new java.util.TreeMap<>();
    for (int p = 0; p < 600; p++) {
      replicas.put(p, List.of(0));
      states.put(p, PartitionState.of(0, 0, List.of(0), 1));
    }
    store.createTopic(new TopicAssignment("big", Uuid.randomUuid(), replicas), Map.of(), states);
    assertEquals(600, store.partitionStates("big").size());
    store.markTopicForDeletion("big");
    store.deleteTopic("big");
    assertTrue(store.topics().isEmpty());
    assertTrue(store.topicsMarkedForDeletion().isEmpty());
  }

  // ---- controller ----------------------------------------------------------------------------------------

  @Test
  void controllerElectionBumpsTheEpochAndIsExclusive() throws Exception {
    assertEquals(-1, store.controllerId());
    assertEquals(0, store.controllerEpoch());
    assertTrue(store.tryElectController(1));
    assertEquals("1", text(raw("/controller_epoch")));
    JsonObject c = json("/controller");
    assertEquals(2, c.getInteger("version"));
    assertEquals(1, c.getInteger("brokerid"));
    assertEquals(-1, c.getInteger("kraftControllerEpoch"));
    assertTrue(Long.parseLong(c.getString("timestamp")) > 0);
    assertEquals(4, c.size());
    assertNotEquals(0, stat("/controller").getEphemeralOwner(), "ephemeral");
    assertEquals(1, store.controllerId());
    assertEquals(OptionalInt.of(1), store.electController(1), "re-electing ourselves is idempotent");

    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + chroot, 6000, 5000)) {
      assertFalse(other.tryElectController(2));
      assertFalse(other.resignController(1), "not its session");
      assertTrue(store.resignController(1));
      assertEquals(-1, other.controllerId());
      assertEquals(OptionalInt.of(2), other.electController(2));
      assertEquals(2, store.controllerEpoch());
      assertFalse(store.tryElectController(1));
    }
    // the other session closed: its /controller vanished
    assertEquals(-1, store.controllerId());
    assertEquals(OptionalInt.of(3), store.electController(1));
  }
}
