package io.gregor.coordination.zk;

import static io.gregor.coordination.zk.ZkTests.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.junit.jupiter.api.Test;

/**
 * The expected strings are what Kafka 3.9.2's {@code kafka.zk.ZkData} encoders produce for the same input
 * (captured by running them), so these tests pin byte compatibility.
 */
class ZkCodecsTest {

  private static final Uuid TOPIC_ID = Uuid.fromString("jh0Fs2JwQaWqKy2j6YYzDA");

  @Test
  void brokerRegistrationMatchesKafka() {
    assertEquals("{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
            + "\"endpoints\":[\"PLAINTEXT://localhost:9092\"],\"jmx_port\":-1,\"port\":9092,\"host\":\"localhost\","
            + "\"version\":5,\"timestamp\":\"1795319501945\"}",
        text(ZkCodecs.broker(new BrokerRegistration(0, "localhost", 9092), 1795319501945L)));
    assertEquals("{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
            + "\"endpoints\":[\"PLAINTEXT://localhost:9092\"],\"rack\":\"r1\",\"jmx_port\":-1,\"port\":9092,"
            + "\"host\":\"localhost\",\"version\":5,\"timestamp\":\"1795319502128\"}",
        text(ZkCodecs.broker(new BrokerRegistration(0, "localhost", 9092, "r1"), 1795319502128L)));
  }

  @Test
  void brokerRegistrationRoundTripsAndFormatsIpv6() {
    BrokerRegistration b = new BrokerRegistration(3, "::1", 9093, "rack-b");
    String json = text(ZkCodecs.broker(b, 1));
    assertEquals(true, json.contains("\"PLAINTEXT://[::1]:9093\""), json);
    assertEquals(b, ZkCodecs.decodeBroker(3, ZkCodecs.broker(b, 1)));
  }

  @Test
  void decodesRegistrationsWrittenByKafkaWithSeveralListeners() {
    String kafka = "{\"features\":{},\"listener_security_protocol_map\":{\"INTERNAL\":\"SSL\",\"EXTERNAL\":\"PLAINTEXT\"},"
        + "\"endpoints\":[\"INTERNAL://kafka3:29092\",\"EXTERNAL://kafka3:9092\"],\"jmx_port\":-1,\"port\":9092,"
        + "\"host\":\"kafka3\",\"version\":5,\"timestamp\":\"1731163180710\"}";
    assertEquals(new BrokerRegistration(3, "kafka3", 9092, null), ZkCodecs.decodeBroker(3, bytes(kafka)));
    String v1 = "{\"version\":1,\"host\":\"old\",\"port\":9092,\"jmx_port\":9999,\"timestamp\":\"2233345666\"}";
    assertEquals(new BrokerRegistration(1, "old", 9092, null), ZkCodecs.decodeBroker(1, bytes(v1)));
    String nullRack = "{\"version\":4,\"host\":\"h\",\"port\":1,\"jmx_port\":-1,\"rack\":null,"
        + "\"endpoints\":[\"PLAINTEXT://h:1\"],\"timestamp\":\"1\"}";
    assertNull(ZkCodecs.decodeBroker(2, bytes(nullRack)).rack());
  }

  @Test
  void topicAssignmentMatchesKafka() {
    TopicAssignment a = new TopicAssignment("t", TOPIC_ID, Map.of(0, List.of(0, 1)));
    assertEquals("{\"partitions\":{\"0\":[0,1]},\"topic_id\":\"jh0Fs2JwQaWqKy2j6YYzDA\",\"adding_replicas\":{},"
        + "\"removing_replicas\":{},\"version\":3}", text(ZkCodecs.topic(a)));
    assertEquals(a, ZkCodecs.decodeTopic("t", ZkCodecs.topic(a)));
  }

  @Test
  void decodesTopicsWrittenByKafkaInHashOrderAndWithoutTopicId() {
    String kafka = "{\"partitions\":{\"11\":[2,0],\"0\":[0,1],\"1\":[1,2],\"2\":[2,0],\"3\":[0,1],\"4\":[1,2],"
        + "\"5\":[2,0],\"6\":[0,1],\"7\":[1,2],\"8\":[2,0],\"9\":[0,1],\"10\":[1,2]},"
        + "\"topic_id\":\"jh0Fs2JwQaWqKy2j6YYzDA\",\"adding_replicas\":{},\"removing_replicas\":{},\"version\":3}";
    TopicAssignment a = ZkCodecs.decodeTopic("t", bytes(kafka));
    assertEquals(12, a.partitionCount());
    assertEquals(List.of(2, 0), a.replicas().get(11));
    assertEquals(TOPIC_ID, a.topicId());
    TopicAssignment legacy = ZkCodecs.decodeTopic("t", bytes("{\"version\":1,\"partitions\":{\"0\":[1]}}"));
    assertNull(legacy.topicId());
    assertEquals(Map.of(0, List.of(1)), legacy.replicas());
  }

  @Test
  void partitionStateMatchesKafka() {
    PartitionState s = PartitionState.of(1, 2, List.of(1, 2), 3);
    assertEquals("{\"controller_epoch\":3,\"leader\":1,\"version\":1,\"leader_epoch\":2,\"isr\":[1,2]}",
        text(ZkCodecs.partitionState(s)));
    assertEquals(s.withZkVersion(7), ZkCodecs.decodePartitionState(ZkCodecs.partitionState(s), 7));
  }

  @Test
  void controllerClusterIdConfigAndChangeNotificationMatchKafka() {
    assertEquals("{\"version\":2,\"brokerid\":1,\"timestamp\":\"123\",\"kraftControllerEpoch\":-1}",
        text(ZkCodecs.controller(1, 123)));
    assertEquals(1, ZkCodecs.decodeController(ZkCodecs.controller(1, 123)));
    assertEquals(4, ZkCodecs.decodeController(bytes("{\"version\":1,\"brokerid\":4,\"timestamp\":\"1\"}")));
    assertEquals("7", text(ZkCodecs.controllerEpoch(7)));
    assertEquals(7, ZkCodecs.decodeControllerEpoch(bytes("7")));
    assertEquals("{\"version\":\"1\",\"id\":\"abc\"}", text(ZkCodecs.clusterId("abc")));
    assertEquals("abc", ZkCodecs.decodeClusterId(ZkCodecs.clusterId("abc")));
    assertEquals("{\"version\":1,\"config\":{\"cleanup.policy\":\"compact\",\"retention.ms\":\"1000\"}}",
        text(ZkCodecs.entityConfig(Map.of("retention.ms", "1000", "cleanup.policy", "compact"))));
    assertEquals(Map.of("retention.ms", "1000"), ZkCodecs.decodeEntityConfig(bytes("{\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}")));
    assertEquals("{\"version\":2,\"entity_path\":\"topics/t\"}", text(ZkCodecs.configChange("topics/t")));
  }

  @Test
  void rejectsGarbageAndInvalidTopicNames() {
    assertThrows(KafkaException.class, () -> ZkCodecs.decodeTopic("t", bytes("not json")));
    assertThrows(KafkaException.class, () -> ZkCodecs.decodeClusterId(new byte[0]));
    assertThrows(InvalidTopicException.class, () -> ZkPaths.topic("../controller"));
    assertThrows(InvalidTopicException.class, () -> ZkPaths.topic("a/b"));
    assertEquals("/brokers/topics/t/partitions/3/state", ZkPaths.partitionState("t", 3));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
