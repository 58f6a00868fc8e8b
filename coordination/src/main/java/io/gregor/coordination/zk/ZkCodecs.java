package io.gregor.coordination.zk;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;

/**
 * JSON encoders/decoders for the znodes of Kafka's ZooKeeper mode, with the fields, types and top-level key
 * order Kafka 3.9 writes (compact JSON, UTF-8): byte-identical to Kafka's {@code kafka.zk.ZkData} encoders,
 * except that the entries of the {@code partitions} and {@code config} maps are written sorted where Kafka uses
 * Scala/Java hash order (Kafka's readers parse them into maps, so the order is not significant).
 */
public final class ZkCodecs {

  /** {@code /brokers/ids/<id>} JSON version written by Kafka 2.7+. */
  public static final int BROKER_VERSION = 5;
  /** {@code /brokers/topics/<t>} JSON version written by Kafka 3.x (with topic ids). */
  public static final int TOPIC_VERSION = 3;
  public static final int PARTITION_STATE_VERSION = 1;
  public static final int ENTITY_CONFIG_VERSION = 1;
  public static final int CONFIG_CHANGE_VERSION = 2;
  public static final int CONTROLLER_VERSION = 2;
  private static final String PLAINTEXT = "PLAINTEXT";

  private ZkCodecs() {
  }

  // ---- /cluster/id ---------------------------------------------------------------------------------------

  /** {@code {"version":"1","id":"<id>"}} (the version is a string here, as in Kafka). */
  public static byte[] clusterId(String id) {
    return bytes(new JsonObject().put("version", "1").put("id", id));
  }

  public static String decodeClusterId(byte[] data) {
    String id = parse(data, "/cluster/id").getString("id");
    if (id == null) {
      throw new KafkaException("No id in " + ZkPaths.CLUSTER_ID + ": " + text(data));
    }
    return id;
  }

  // ---- /brokers/ids/<id> ---------------------------------------------------------------------------------

  /**
   * Version 5 registration with a single PLAINTEXT listener, keys in the order Kafka 3.9 writes them:
   * {@code {"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},
   * "endpoints":["PLAINTEXT://host:port"],["rack":"r",]"jmx_port":-1,"port":port,"host":"host","version":5,
   * "timestamp":"<ms>"}}.
   */
  public static byte[] broker(BrokerRegistration b, long timestampMs) {
    JsonObject json = new JsonObject()
        .put("features", new JsonObject())
        .put("listener_security_protocol_map", new JsonObject().put(PLAINTEXT, PLAINTEXT))
        .put("endpoints", new JsonArray().add(PLAINTEXT + "://" + Utils.formatAddress(b.host(), b.port())));
    if (b.rack() != null) {
      json.put("rack", b.rack());
    }
    json.put("jmx_port", -1)
        .put("port", b.port())
        .put("host", b.host())
        .put("version", BROKER_VERSION)
        .put("timestamp", Long.toString(timestampMs));
    return bytes(json);
  }

  /**
   * Reads any registration version; host/port are those of the first endpoint whose security protocol is
   * PLAINTEXT, else of the top-level {@code host}/{@code port} fields.
   */
  public static BrokerRegistration decodeBroker(int id, byte[] data) {
    JsonObject json = parse(data, ZkPaths.brokerId(id));
    String rack = json.getValue("rack") instanceof String s ? s : null;
    JsonObject protocols = json.getJsonObject("listener_security_protocol_map");
    JsonArray endpoints = json.getJsonArray("endpoints");
    if (endpoints != null) {
      for (Object e : endpoints) {
        String endpoint = String.valueOf(e);
        int sep = endpoint.indexOf("://");
        if (sep <= 0) {
          continue;
        }
        String listener = endpoint.substring(0, sep);
        String protocol = protocols == null ? listener : protocols.getString(listener, listener);
        if (PLAINTEXT.equalsIgnoreCase(protocol)) {
          String host = Utils.getHost(endpoint);
          Integer port = Utils.getPort(endpoint);
          if (host != null && port != null) {
            return new BrokerRegistration(id, host, port, rack);
          }
        }
      }
    }
    String host = json.getString("host");
    Integer port = json.getInteger("port");
    if (host == null || port == null || port < 0) {
      throw new KafkaException("Broker " + id + " has no PLAINTEXT endpoint: " + text(data));
    }
    return new BrokerRegistration(id, host, port, rack);
  }

  // ---- /brokers/topics/<t> -------------------------------------------------------------------------------

  /** Version 3 assignment with topic id and empty {@code adding_replicas}/{@code removing_replicas}. */
  public static byte[] topic(TopicAssignment a) {
    JsonObject json = new JsonObject()
        .put("partitions", replicasJson(a.replicas()));
    if (a.topicId() != null) {
      json.put("topic_id", a.topicId().toString());
    }
    json.put("adding_replicas", new JsonObject())
        .put("removing_replicas", new JsonObject())
        .put("version", TOPIC_VERSION);
    return bytes(json);
  }

  public static TopicAssignment decodeTopic(String topic, byte[] data) {
    return decodeTopic(topic, parse(data, ZkPaths.topic(topic)));
  }

  static TopicAssignment decodeTopic(String topic, JsonObject json) {
    String id = json.getString("topic_id");
    Map<Integer, List<Integer>> replicas = new TreeMap<>();
    JsonObject partitions = json.getJsonObject("partitions");
    if (partitions != null) {
      for (String p : partitions.fieldNames()) {
        replicas.put(Integer.parseInt(p), ints(partitions.getJsonArray(p)));
      }
    }
    return new TopicAssignment(topic, id == null ? null : Uuid.fromString(id), replicas);
  }

  /**
   * The stored topic JSON with {@code extra} partitions added, keeping every other field (topic id,
   * reassignment state) as found.
   */
  static byte[] topicWithPartitions(JsonObject current, Map<Integer, List<Integer>> extra) {
    Map<Integer, List<Integer>> all = new TreeMap<>();
    JsonObject partitions = current.getJsonObject("partitions", new JsonObject());
    for (String p : partitions.fieldNames()) {
      all.put(Integer.parseInt(p), ints(partitions.getJsonArray(p)));
    }
    all.putAll(extra);
    JsonObject updated = current.copy();
    updated.put("partitions", replicasJson(all));
    return bytes(updated);
  }

  private static JsonObject replicasJson(Map<Integer, List<Integer>> replicas) {
    JsonObject json = new JsonObject();
    new TreeMap<>(replicas).forEach((p, r) -> json.put(Integer.toString(p), new JsonArray(new ArrayList<>(r))));
    return json;
  }

  // ---- /brokers/topics/<t>/partitions/<p>/state ----------------------------------------------------------

  public static byte[] partitionState(PartitionState s) {
    return bytes(new JsonObject()
        .put("controller_epoch", s.controllerEpoch())
        .put("leader", s.leader())
        .put("version", PARTITION_STATE_VERSION)
        .put("leader_epoch", s.leaderEpoch())
        .put("isr", new JsonArray(new ArrayList<>(s.isr()))));
  }

  public static PartitionState decodePartitionState(byte[] data, int zkVersion) {
    JsonObject json = parse(data, "partition state");
    return new PartitionState(json.getInteger("leader"), json.getInteger("leader_epoch"),
        ints(json.getJsonArray("isr")), json.getInteger("controller_epoch"), zkVersion);
  }

  // ---- /config/<type>/<name> and /config/changes ---------------------------------------------------------

  /** {@code {"version":1,"config":{...}}}, all values strings. */
  public static byte[] entityConfig(Map<String, String> config) {
    JsonObject cfg = new JsonObject();
    new TreeMap<>(config).forEach(cfg::put);
    return bytes(new JsonObject().put("version", ENTITY_CONFIG_VERSION).put("config", cfg));
  }

  public static Map<String, String> decodeEntityConfig(byte[] data) {
    Map<String, String> config = new TreeMap<>();
    if (data == null || data.length == 0) {
      return config;
    }
    JsonObject cfg = parse(data, "config").getJsonObject("config");
    if (cfg != null) {
      cfg.forEach(e -> config.put(e.getKey(), e.getValue() == null ? null : String.valueOf(e.getValue())));
    }
    return config;
  }

  /** {@code {"version":2,"entity_path":"topics/<t>"}}. */
  public static byte[] configChange(String entityPath) {
    return bytes(new JsonObject().put("version", CONFIG_CHANGE_VERSION).put("entity_path", entityPath));
  }

  // ---- /controller, /controller_epoch --------------------------------------------------------------------

  /** {@code {"version":2,"brokerid":N,"timestamp":"<ms>","kraftControllerEpoch":-1}}. */
  public static byte[] controller(int brokerId, long timestampMs) {
    return bytes(new JsonObject()
        .put("version", CONTROLLER_VERSION)
        .put("brokerid", brokerId)
        .put("timestamp", Long.toString(timestampMs))
        .put("kraftControllerEpoch", -1));
  }

  public static int decodeController(byte[] data) {
    Integer id = parse(data, ZkPaths.CONTROLLER).getInteger("brokerid");
    if (id == null) {
      throw new KafkaException("No brokerid in " + ZkPaths.CONTROLLER + ": " + text(data));
    }
    return id;
  }

  /** The epoch as a decimal string, as Kafka writes it. */
  public static byte[] controllerEpoch(int epoch) {
    return Integer.toString(epoch).getBytes(StandardCharsets.UTF_8);
  }

  public static int decodeControllerEpoch(byte[] data) {
    return Integer.parseInt(text(data).trim());
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  static JsonObject parse(byte[] data, String what) {
    if (data == null || data.length == 0) {
      throw new KafkaException("Empty znode data for " + what);
    }
    try {
      return new JsonObject(text(data));
    } catch (DecodeException | ClassCastException e) {
      throw new KafkaException("Unparseable JSON in " + what + ": " + text(data), e);
    }
  }

  private static List<Integer> ints(JsonArray array) {
    List<Integer> out = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        out.add(array.getInteger(i));
      }
    }
    return out;
  }

  static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] data) {
    return data == null ? "null" : new String(data, StandardCharsets.UTF_8);
  }
}
