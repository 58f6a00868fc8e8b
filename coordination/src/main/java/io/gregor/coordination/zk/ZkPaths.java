package io.gregor.coordination.zk;

import java.util.List;
import org.apache.kafka.common.internals.Topic;

/**
 * Kafka's ZooKeeper-mode znode layout (as Kafka 3.9 {@code kafka.zk.ZkData} names it), relative to the chroot.
 */
public final class ZkPaths {

  public static final String ADMIN = "/admin";
  public static final String BROKERS = "/brokers";
  public static final String CLUSTER = "/cluster";
  public static final String CONFIG = "/config";

  public static final String CLUSTER_ID = CLUSTER + "/id";
  public static final String BROKER_IDS = BROKERS + "/ids";
  public static final String BROKER_TOPICS = BROKERS + "/topics";
  public static final String BROKER_SEQID = BROKERS + "/seqid";
  public static final String CONTROLLER = "/controller";
  public static final String CONTROLLER_EPOCH = "/controller_epoch";
  public static final String CONFIG_TOPICS = CONFIG + "/topics";
  public static final String CONFIG_CLIENTS = CONFIG + "/clients";
  public static final String CONFIG_USERS = CONFIG + "/users";
  public static final String CONFIG_BROKERS = CONFIG + "/brokers";
  public static final String CONFIG_IPS = CONFIG + "/ips";
  public static final String CONFIG_CHANGES = CONFIG + "/changes";
  /** Prefix of the sequential config change notifications under {@link #CONFIG_CHANGES}. */
  public static final String CONFIG_CHANGE_PREFIX = "config_change_";
  public static final String DELETE_TOPICS = ADMIN + "/delete_topics";
  public static final String ISR_CHANGE_NOTIFICATION = "/isr_change_notification";
  public static final String LATEST_PRODUCER_ID_BLOCK = "/latest_producer_id_block";
  public static final String LOG_DIR_EVENT_NOTIFICATION = "/log_dir_event_notification";
  public static final String CONSUMERS = "/consumers";

  /** The persistent paths a Kafka broker creates at startup ({@code ZkData.PersistentZkPaths}). */
  public static final List<String> PERSISTENT_PATHS = List.of(
      CONSUMERS,
      BROKER_IDS,
      BROKER_TOPICS,
      CONFIG_CHANGES,
      DELETE_TOPICS,
      BROKER_SEQID,
      ISR_CHANGE_NOTIFICATION,
      LATEST_PRODUCER_ID_BLOCK,
      LOG_DIR_EVENT_NOTIFICATION,
      CONFIG_TOPICS,
      CONFIG_CLIENTS,
      CONFIG_USERS,
      CONFIG_BROKERS,
      CONFIG_IPS);

  private ZkPaths() {
  }

  /** {@code /brokers/ids/<id>} (ephemeral). */
  public static String brokerId(int id) {
    return BROKER_IDS + "/" + id;
  }

  /** {@code /brokers/topics/<topic>}. */
  public static String topic(String topic) {
    Topic.validate(topic);
    return BROKER_TOPICS + "/" + topic;
  }

  /** {@code /brokers/topics/<topic>/partitions}. */
  public static String partitions(String topic) {
    return topic(topic) + "/partitions";
  }

  /** {@code /brokers/topics/<topic>/partitions/<p>}. */
  public static String partition(String topic, int partition) {
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0: " + partition);
    }
    return partitions(topic) + "/" + partition;
  }

  /** {@code /brokers/topics/<topic>/partitions/<p>/state}. */
  public static String partitionState(String topic, int partition) {
    return partition(topic, partition) + "/state";
  }

  /** {@code /config/topics/<topic>}. */
  public static String topicConfig(String topic) {
    Topic.validate(topic);
    return CONFIG_TOPICS + "/" + topic;
  }

  /** {@code /admin/delete_topics/<topic>}. */
  public static String deleteTopic(String topic) {
    Topic.validate(topic);
    return DELETE_TOPICS + "/" + topic;
  }

  /** Path to pass to a sequential create of a config change notification. */
  public static String configChangePrefix() {
    return CONFIG_CHANGES + "/" + CONFIG_CHANGE_PREFIX;
  }

  /** The last segment of a path. */
  public static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
