package io.gregor.coordination.zk;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.PathUtils;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's ZooKeeper-mode metadata (see {@link ZkPaths}, {@link ZkCodecs}) over a Curator client whose namespace
 * is the chroot. Every method blocks on ZooKeeper: call them from worker threads, never from an event loop.
 * ZooKeeper failures surface as {@link KafkaException} (cause: the {@link KeeperException}) unless documented
 * otherwise.
 *
 * <p>Watch callbacks run on Curator's event thread: keep them short and hop to a Vert.x context.
 */
public final class ZkMetadataStore implements AutoCloseable {

  /** Extra wait for a stale broker registration beyond our own session timeout (ZooKeeper expires per tick). */
  static final long STALE_REGISTRATION_MARGIN_MS = 3 * EmbeddedZooKeeper.TICK_TIME_MS;
  private static final Logger log = LoggerFactory.getLogger(ZkMetadataStore.class);
  private static final byte[] EMPTY = new byte[0];
  /** Operations per multi when deleting a large topic (keeps requests far below jute.maxbuffer). */
  private static final int DELETE_BATCH = 500;

  /** A registered watch; closing it stops the callbacks. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  private final CuratorFramework zk;
  private final CuratorFramework owned;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final ConnectionStateListener reRegistration = this::onConnectionState;
  private volatile BrokerRegistration registration;
  private volatile boolean closed;

  /**
   * A store over {@code client}, already started and namespaced to the chroot (e.g. the cluster manager's
   * {@code getCuratorFramework().usingNamespace("kafka")}). The client is not closed by {@link #close()}.
   */
  public ZkMetadataStore(CuratorFramework client) {
    this(client, null);
  }

  private ZkMetadataStore(CuratorFramework client, CuratorFramework owned) {
    this.zk = Objects.requireNonNull(client, "client");
    this.owned = owned;
    zk.getConnectionStateListenable().addListener(reRegistration);
  }

  /**
   * A store over any started client (namespaced or not) for {@code chroot} ("/kafka", "/" or "" for none):
   * creates the chroot as persistent znodes if missing and uses {@code client.usingNamespace(chroot)}.
   */
  public static ZkMetadataStore forChroot(CuratorFramework client, String chroot) {
    String namespace = ensureChroot(client, chroot);
    return new ZkMetadataStore(client.usingNamespace(namespace));
  }

  /**
   * Connects to {@code zookeeperConnect} in Kafka's syntax ({@code host:port[,host:port...][/chroot]}),
   * creates the chroot if missing and returns a store that owns (and closes) its client.
   */
  public static ZkMetadataStore connect(String zookeeperConnect, int sessionTimeoutMs, int connectionTimeoutMs) {
    int slash = zookeeperConnect.indexOf('/');
    String hosts = slash < 0 ? zookeeperConnect : zookeeperConnect.substring(0, slash);
    String chroot = slash < 0 ? "" : zookeeperConnect.substring(slash);
    CuratorFramework root = CuratorFrameworkFactory.builder()
        .connectString(hosts)
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(connectionTimeoutMs)
        .retryPolicy(new ExponentialBackoffRetry(100, 10, 2000))
        .defaultData(EMPTY)
        .dontUseContainerParents()
        .build();
    root.start();
    try {
      if (!root.blockUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS)) {
        throw new KafkaException("Timed out after " + connectionTimeoutMs + " ms connecting to ZooKeeper at " + hosts);
      }
      String namespace = ensureChroot(root, chroot);
      return new ZkMetadataStore(namespace == null ? root : root.usingNamespace(namespace), root);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      root.close();
      throw new KafkaException("Interrupted while connecting to ZooKeeper", e);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /**
   * Creates {@code chroot} and its parents as persistent znodes (not Curator's container nodes, which the
   * server deletes once empty) outside any namespace of {@code client}. Returns the Curator namespace for it
   * (no leading slash), or {@code null} for the root.
   */
  public static String ensureChroot(CuratorFramework client, String chroot) {
    String path = chroot == null ? "" : chroot.trim();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      return null;
    }
    if (!path.startsWith("/")) {
      path = "/" + path;
    }
    String absolute = path;
    PathUtils.validatePath(absolute);
    CuratorFramework root = client.usingNamespace(null);
    call("create chroot " + absolute, () -> {
      mkdirs(root, absolute);
      return null;
    });
    return absolute.substring(1);
  }

  /** The underlying (namespaced) client. */
  /**
   * Whether the client is connected now. A broker shutting down skips what needs ZooKeeper when it
   * is not: every call would otherwise wait through the whole retry policy.
   */
  public boolean isConnected() {
    return zk.getZookeeperClient().isConnected();
  }

  public CuratorFramework client() {
    return zk;
  }

  // ---- startup -------------------------------------------------------------------------------------------

  /** Creates the persistent paths Kafka creates at broker startup ({@link ZkPaths#PERSISTENT_PATHS}). */
  public void ensurePersistentPaths() {
    String namespace = zk.getNamespace();
    if (namespace != null && !namespace.isEmpty()) {
      ensureChroot(zk, "/" + namespace);
    }
    call("create persistent paths", () -> {
      for (String path : ZkPaths.PERSISTENT_PATHS) {
        mkdirs(zk, path);
      }
      return null;
    });
  }

  /** The cluster id in {@code /cluster/id}, created (22-character base64 UUID, as Kafka) if missing. */
  public String getOrCreateClusterId() {
    return call("cluster id", () -> {
      for (;;) {
        try {
          return ZkCodecs.decodeClusterId(zk.getData().forPath(ZkPaths.CLUSTER_ID));
        } catch (KeeperException.NoNodeException e) {
          String id = org.apache.kafka.common.Uuid.randomUuid().toString();
          try {
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                .forPath(ZkPaths.CLUSTER_ID, ZkCodecs.clusterId(id));
            log.info("Created cluster id {}", id);
            return id;
          } catch (KeeperException.NodeExistsException raced) {
            // another broker won: read theirs
          }
        }
      }
    });
  }

  // ---- brokers -------------------------------------------------------------------------------------------

  /**
   * Registers {@code broker} at {@code /brokers/ids/<id>} (ephemeral) and re-registers it when a new session
   * replaces an expired one. A node left by a previous session (a killed process) is waited for until our
   * session timeout plus {@value #STALE_REGISTRATION_MARGIN_MS} ms; then this fails with
   * {@code IllegalStateException("Broker id N is already registered by another process ...")}.
   */
  public void registerBroker(BrokerRegistration broker) {
    long waitMs = sessionTimeoutMs() + STALE_REGISTRATION_MARGIN_MS;
    registerBroker(broker, waitMs);
  }

  /** As {@link #registerBroker(BrokerRegistration)}, waiting at most {@code staleWaitMs} for a stale node. */
  public void registerBroker(BrokerRegistration broker, long staleWaitMs) {
    String path = ZkPaths.brokerId(broker.id());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(staleWaitMs);
    call("register broker " + broker.id(), () -> {
      mkdirs(zk, ZkPaths.BROKER_IDS);
      boolean waited = false;
      for (;;) {
        try {
          zk.create().withMode(CreateMode.EPHEMERAL).forPath(path, ZkCodecs.broker(broker, System.currentTimeMillis()));
          break;
        } catch (KeeperException.NodeExistsException e) {
          Stat stat = zk.checkExists().forPath(path);
          if (stat == null) {
            continue;
          }
          if (stat.getEphemeralOwner() == sessionId()) {
            // ours (a create retried after a lost response, or a re-registration): refresh the data
            zk.setData().forPath(path, ZkCodecs.broker(broker, System.currentTimeMillis()));
            break;
          }
          if (System.nanoTime() - deadline >= 0) {
            throw new IllegalStateException("Broker id " + broker.id() + " is already registered by another process"
                + " (ZooKeeper session 0x" + Long.toHexString(stat.getEphemeralOwner()) + " holds " + path + ")");
          }
          if (!waited) {
            log.info("Waiting up to {} ms for the registration of broker {} by an earlier session to expire",
                staleWaitMs, broker.id());
            waited = true;
          }
          Thread.sleep(100);
        }
      }
      return null;
    });
    registration = broker;
    log.info("Registered broker {} at {}:{}", broker.id(), broker.host(), broker.port());
  }

  /** Deletes our own {@code /brokers/ids/<id>} (if this session holds it) and stops re-registering. */
  public void unregisterBroker(int brokerId) {
    BrokerRegistration current = registration;
    if (current != null && current.id() == brokerId) {
      registration = null;
    }
    String path = ZkPaths.brokerId(brokerId);
    call("unregister broker " + brokerId, () -> {
      Stat stat = zk.checkExists().forPath(path);
      if (stat != null && stat.getEphemeralOwner() == sessionId()) {
        try {
          zk.delete().withVersion(stat.getVersion()).forPath(path);
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException ignored) {
          // gone or rewritten meanwhile
        }
      }
      return null;
    });
  }

  /** The registered brokers, by id. */
  public List<BrokerRegistration> liveBrokers() {
    return call("live brokers", () -> {
      List<BrokerRegistration> brokers = new ArrayList<>();
      for (String child : children(ZkPaths.BROKER_IDS)) {
        int id;
        try {
          id = Integer.parseInt(child);
        } catch (NumberFormatException e) {
          continue;
        }
        byte[] data = dataOrNull(ZkPaths.brokerId(id), null);
        if (data != null) {
          brokers.add(ZkCodecs.decodeBroker(id, data));
        }
      }
      brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
      return brokers;
    });
  }

  // ---- topics --------------------------------------------------------------------------------------------

  /** Every topic's assignment, by name. */
  public Map<String, TopicAssignment> topics() {
    return call("topics", () -> {
      Map<String, TopicAssignment> topics = new TreeMap<>();
      for (String topic : children(ZkPaths.BROKER_TOPICS)) {
        if (!Topic.isValid(topic)) {
          log.warn("Ignoring znode {}/{}: not a valid topic name", ZkPaths.BROKER_TOPICS, topic);
          continue;
        }
        byte[] data = dataOrNull(ZkPaths.topic(topic), null);
        if (data != null) {
          topics.put(topic, ZkCodecs.decodeTopic(topic, data));
        }
      }
      return topics;
    });
  }

  /** One topic's assignment. */
  public Optional<TopicAssignment> topic(String topic) {
    String path = ZkPaths.topic(topic);
    return call("topic " + topic, () -> {
      byte[] data = dataOrNull(path, null);
      return data == null ? Optional.empty() : Optional.of(ZkCodecs.decodeTopic(topic, data));
    });
  }

  /**
   * Creates a topic in one ZooKeeper transaction: {@code /brokers/topics/<t>}, {@code .../partitions}, for each
   * entry of {@code states} {@code .../partitions/<p>/state}, and {@code /config/topics/<t>} (replacing a
   * leftover config node).
   * Either all of it is written or nothing. A single transaction is bounded by jute.maxbuffer (1 MiB):
   * a few thousand partitions.
   *
   * @throws TopicExistsException if {@code /brokers/topics/<t>} exists
   */
  public void createTopic(TopicAssignment assignment, Map<String, String> configs, Map<Integer, PartitionState> states) {
    String topic = assignment.topic();
    for (Integer p : states.keySet()) {
      if (!assignment.replicas().containsKey(p)) {
        throw new IllegalArgumentException("State for partition " + p + " not in the assignment of " + topic);
      }
    }
    call("create topic " + topic, () -> {
      for (int attempt = 0; ; attempt++) {
        if (zk.checkExists().forPath(ZkPaths.topic(topic)) != null) {
          throw new TopicExistsException("Topic '" + topic + "' already exists.");
        }
        Stat configStat = zk.checkExists().forPath(ZkPaths.topicConfig(topic));
        TransactionOp op = zk.transactionOp();
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.topic(topic), ZkCodecs.topic(assignment)));
        ops.add(op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.partitions(topic), EMPTY));
        addPartitionStateOps(op, ops, topic, states);
        byte[] config = ZkCodecs.entityConfig(configs);
        // a config left behind (Kafka writes it before the assignment, or an interrupted deletion) is replaced
        ops.add(configStat == null
            ? op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.topicConfig(topic), config)
            : op.setData().withVersion(configStat.getVersion()).forPath(ZkPaths.topicConfig(topic), config));
        try {
          zk.transaction().forOperations(ops);
          return null;
        } catch (KeeperException.NoNodeException e) {
          if (attempt > 0) {
            throw e;
          }
          ensurePersistentPaths(); // /brokers/topics or /config/topics missing: create and retry once
        } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
          if (zk.checkExists().forPath(ZkPaths.topic(topic)) != null) {
            throw new TopicExistsException("Topic '" + topic + "' already exists.");
          }
          if (attempt > 2) {
            throw e;
          }
          // the config node changed under us: retry
        }
      }
    });
  }

  /**
   * Adds partitions to a topic: rewrites {@code /brokers/topics/<t>} conditionally on the version read
   * (keeping topic id and reassignment fields) and creates the given partition states, in one transaction.
   *
   * @throws UnknownTopicOrPartitionException if the topic does not exist
   * @throws InvalidPartitionsException if one of the partitions exists already
   * @throws ZkVersionConflictException if the topic node changed concurrently
   */
  public void addPartitions(String topic, Map<Integer, List<Integer>> newReplicas, Map<Integer, PartitionState> newStates) {
    for (Integer p : newStates.keySet()) {
      if (!newReplicas.containsKey(p)) {
        throw new IllegalArgumentException("State for partition " + p + " not among the new partitions of " + topic);
      }
    }
    String path = ZkPaths.topic(topic);
    call("add partitions to " + topic, () -> {
      Stat stat = new Stat();
      byte[] data = dataOrNull(path, stat);
      if (data == null) {
        throw new UnknownTopicOrPartitionException("Topic '" + topic + "' does not exist.");
      }
      JsonObject current = ZkCodecs.parse(data, path);
      TopicAssignment existing = ZkCodecs.decodeTopic(topic, current);
      for (Integer p : newReplicas.keySet()) {
        if (existing.replicas().containsKey(p)) {
          throw new InvalidPartitionsException("Partition " + p + " of topic '" + topic + "' already exists.");
        }
      }
      TransactionOp op = zk.transactionOp();
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(op.setData().withVersion(stat.getVersion()).forPath(path, ZkCodecs.topicWithPartitions(current, newReplicas)));
      if (!newStates.isEmpty() && zk.checkExists().forPath(ZkPaths.partitions(topic)) == null) {
        ops.add(op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.partitions(topic), EMPTY));
      }
      addPartitionStateOps(op, ops, topic, newStates);
      try {
        zk.transaction().forOperations(ops);
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
        throw new ZkVersionConflictException("Topic '" + topic + "' changed while adding partitions", e);
      }
      return null;
    });
  }

  /** The state of every partition of {@code topic} that has one (with its zkVersion), by partition. */
  public Map<Integer, PartitionState> partitionStates(String topic) {
    String partitionsPath = ZkPaths.partitions(topic);
    return call("partition states of " + topic, () -> {
      Map<Integer, PartitionState> states = new TreeMap<>();
      for (String child : children(partitionsPath)) {
        int p;
        try {
          p = Integer.parseInt(child);
        } catch (NumberFormatException e) {
          continue;
        }
        Stat stat = new Stat();
        byte[] data = dataOrNull(ZkPaths.partitionState(topic, p), stat);
        if (data != null) {
          states.put(p, ZkCodecs.decodePartitionState(data, stat.getVersion()));
        }
      }
      return states;
    });
  }

  /**
   * Creates {@code .../partitions/<p>/state} for a partition that has none yet (creating {@code partitions/<p>}
   * if needed) and returns its zkVersion (0).
   *
   * @throws ZkVersionConflictException if a state exists already
   */
  public int createPartitionState(String topic, int partition, PartitionState state) {
    String path = ZkPaths.partitionState(topic, partition);
    return call("create state of " + topic + "-" + partition, () -> {
      try {
        zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, ZkCodecs.partitionState(state));
        return 0;
      } catch (KeeperException.NodeExistsException e) {
        throw new ZkVersionConflictException("State of " + topic + "-" + partition + " exists already", e);
      }
    });
  }

  /**
   * Writes {@code newState} if the znode is still at {@code newState.zkVersion()} (the version the caller
   * read) and returns the new version.
   *
   * @throws ZkVersionConflictException if the znode changed or does not exist
   */
  public int updatePartitionState(String topic, int partition, PartitionState newState) {
    String path = ZkPaths.partitionState(topic, partition);
    return call("update state of " + topic + "-" + partition, () -> {
      try {
        return zk.setData().withVersion(newState.zkVersion()).forPath(path, ZkCodecs.partitionState(newState)).getVersion();
      } catch (KeeperException.BadVersionException e) {
        throw new ZkVersionConflictException("State of " + topic + "-" + partition + " is no longer at version "
            + newState.zkVersion(), e);
      } catch (KeeperException.NoNodeException e) {
        throw new ZkVersionConflictException("State of " + topic + "-" + partition + " does not exist", e);
      }
    });
  }

  // ---- topic configs -------------------------------------------------------------------------------------

  /** The overrides in {@code /config/topics/<t>} (empty if none). */
  public Map<String, String> topicConfigs(String topic) {
    String path = ZkPaths.topicConfig(topic);
    return call("configs of " + topic, () -> {
      byte[] data = dataOrNull(path, null);
      return data == null ? new TreeMap<>() : ZkCodecs.decodeEntityConfig(data);
    });
  }

  /**
   * Replaces the overrides of an existing topic and posts the change notification
   * {@code /config/changes/config_change_<seq>} = {@code {"version":2,"entity_path":"topics/<t>"}}, atomically.
   *
   * @throws UnknownTopicOrPartitionException if the topic does not exist
   */
  public void setTopicConfigs(String topic, Map<String, String> configs) {
    String path = ZkPaths.topicConfig(topic);
    call("set configs of " + topic, () -> {
      for (int attempt = 0; ; attempt++) {
        if (zk.checkExists().forPath(ZkPaths.topic(topic)) == null) {
          throw new UnknownTopicOrPartitionException("Topic '" + topic + "' does not exist.");
        }
        Stat stat = zk.checkExists().forPath(path);
        TransactionOp op = zk.transactionOp();
        byte[] data = ZkCodecs.entityConfig(configs);
        CuratorOp write = stat == null
            ? op.create().withMode(CreateMode.PERSISTENT).forPath(path, data)
            : op.setData().withVersion(stat.getVersion()).forPath(path, data);
        CuratorOp notify = op.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
            .forPath(ZkPaths.configChangePrefix(), ZkCodecs.configChange("topics/" + topic));
        try {
          zk.transaction().forOperations(write, notify);
          return null;
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
          if (attempt > 2) {
            throw e;
          }
        } catch (KeeperException.NoNodeException e) {
          if (attempt > 2) {
            throw e;
          }
          mkdirs(zk, ZkPaths.CONFIG_CHANGES);
          mkdirs(zk, ZkPaths.CONFIG_TOPICS);
        }
      }
    });
  }

  /**
   * Deletes config change notifications older than {@code maxAgeMs} (Kafka's listeners purge after 15
   * minutes); returns how many were deleted.
   */
  public int purgeConfigChangeNotifications(long maxAgeMs) {
    long cutoff = System.currentTimeMillis() - maxAgeMs;
    return call("purge config changes", () -> {
      int deleted = 0;
      for (String child : children(ZkPaths.CONFIG_CHANGES)) {
        String path = ZkPaths.CONFIG_CHANGES + "/" + child;
        Stat stat = zk.checkExists().forPath(path);
        if (stat != null && stat.getCtime() < cutoff && child.startsWith(ZkPaths.CONFIG_CHANGE_PREFIX)) {
          try {
            zk.delete().forPath(path);
            deleted++;
          } catch (KeeperException.NoNodeException ignored) {
            // purged by someone else
          }
        }
      }
      return deleted;
    });
  }

  // ---- topic deletion ------------------------------------------------------------------------------------

  /**
   * Creates {@code /admin/delete_topics/<t>}; returns false if it was marked already.
   *
   * @throws UnknownTopicOrPartitionException if the topic does not exist
   */
  public boolean markTopicForDeletion(String topic) {
    String marker = ZkPaths.deleteTopic(topic);
    return call("mark " + topic + " for deletion", () -> {
      if (zk.checkExists().forPath(ZkPaths.topic(topic)) == null) {
        throw new UnknownTopicOrPartitionException("Topic '" + topic + "' does not exist.");
      }
      try {
        zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(marker, EMPTY);
        return true;
      } catch (KeeperException.NodeExistsException e) {
        return false;
      }
    });
  }

  /** The topics under {@code /admin/delete_topics}. */
  public Set<String> topicsMarkedForDeletion() {
    return call("topics marked for deletion", () -> new TreeSet<>(children(ZkPaths.DELETE_TOPICS)));
  }

  /**
   * Removes {@code /brokers/topics/<t>} with all partitions, {@code /config/topics/<t>} and the deletion
   * marker. Partition znodes go first and the topic, config and marker last in one transaction, so an
   * interrupted deletion leaves the marker for a retry. Deleting a missing topic only clears leftovers.
   */
  public void deleteTopic(String topic) {
    call("delete topic " + topic, () -> {
      for (int attempt = 0; ; attempt++) {
        try {
          List<String> partitionNodes = new ArrayList<>();
          for (String child : children(ZkPaths.partitions(topic))) {
            String partition = ZkPaths.partitions(topic) + "/" + child;
            for (String leaf : children(partition)) {
              partitionNodes.add(partition + "/" + leaf);
            }
            partitionNodes.add(partition);
          }
          if (zk.checkExists().forPath(ZkPaths.partitions(topic)) != null) {
            partitionNodes.add(ZkPaths.partitions(topic));
          }
          List<String> last = new ArrayList<>();
          for (String path : List.of(ZkPaths.topic(topic), ZkPaths.topicConfig(topic), ZkPaths.deleteTopic(topic))) {
            if (zk.checkExists().forPath(path) != null) {
              last.add(path);
            }
          }
          // children before parents, in batches, then the final transaction
          while (partitionNodes.size() + last.size() > DELETE_BATCH) {
            List<String> batch = partitionNodes.subList(0, Math.min(DELETE_BATCH, partitionNodes.size()));
            deleteAll(batch);
            batch.clear();
          }
          List<String> rest = new ArrayList<>(partitionNodes);
          rest.addAll(last);
          deleteAll(rest);
          log.info("Deleted topic {} from ZooKeeper", topic);
          return null;
        } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException e) {
          if (attempt > 5) {
            throw e;
          }
          // changed concurrently: look again
        }
      }
    });
  }

  private void deleteAll(List<String> paths) throws Exception {
    if (paths.isEmpty()) {
      return;
    }
    TransactionOp op = zk.transactionOp();
    List<CuratorOp> ops = new ArrayList<>(paths.size());
    for (String path : paths) {
      ops.add(op.delete().forPath(path));
    }
    zk.transaction().forOperations(ops);
  }

  // ---- controller ----------------------------------------------------------------------------------------

  /** True if this broker became (or already is, in this session) the controller; see {@link #electController}. */
  public boolean tryElectController(int brokerId) {
    return electController(brokerId).isPresent();
  }

  /**
   * Creates the ephemeral {@code /controller} and bumps {@code /controller_epoch} in one transaction
   * (conditional on the epoch's version, as Kafka does). Returns the new controller epoch, or empty if another
   * broker holds {@code /controller}. If this session holds it already, returns the current epoch.
   */
  public OptionalInt electController(int brokerId) {
    return call("elect controller", () -> {
      for (int attempt = 0; ; attempt++) {
        Stat epochStat = new Stat();
        byte[] epochData = dataOrNull(ZkPaths.CONTROLLER_EPOCH, epochStat);
        if (epochData == null) {
          try {
            zk.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.CONTROLLER_EPOCH, ZkCodecs.controllerEpoch(0));
          } catch (KeeperException.NodeExistsException raced) {
            // fine
          }
          continue;
        }
        int epoch = ZkCodecs.decodeControllerEpoch(epochData) + 1;
        TransactionOp op = zk.transactionOp();
        try {
          zk.transaction().forOperations(
              op.create().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.CONTROLLER,
                  ZkCodecs.controller(brokerId, System.currentTimeMillis())),
              op.setData().withVersion(epochStat.getVersion()).forPath(ZkPaths.CONTROLLER_EPOCH,
                  ZkCodecs.controllerEpoch(epoch)));
          log.info("Broker {} elected controller with epoch {}", brokerId, epoch);
          return OptionalInt.of(epoch);
        } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
          Stat stat = new Stat();
          byte[] current = dataOrNull(ZkPaths.CONTROLLER, stat);
          if (current != null) {
            if (stat.getEphemeralOwner() == sessionId() && ZkCodecs.decodeController(current) == brokerId) {
              return OptionalInt.of(ZkCodecs.decodeControllerEpoch(zk.getData().forPath(ZkPaths.CONTROLLER_EPOCH)));
            }
            return OptionalInt.empty();
          }
          if (attempt > 5) {
            return OptionalInt.empty();
          }
          // the epoch moved and the winner is gone already: try again
        }
      }
    });
  }

  /** Deletes {@code /controller} if this session holds it for {@code brokerId}; returns whether it did. */
  public boolean resignController(int brokerId) {
    return call("resign controller", () -> {
      Stat stat = new Stat();
      byte[] data = dataOrNull(ZkPaths.CONTROLLER, stat);
      if (data == null || stat.getEphemeralOwner() != sessionId() || ZkCodecs.decodeController(data) != brokerId) {
        return false;
      }
      try {
        zk.delete().withVersion(stat.getVersion()).forPath(ZkPaths.CONTROLLER);
        return true;
      } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
        return false;
      }
    });
  }

  /** The broker id in {@code /controller}, or -1 if there is no controller. */
  public int controllerId() {
    return call("controller id", () -> {
      byte[] data = dataOrNull(ZkPaths.CONTROLLER, null);
      return data == null ? -1 : ZkCodecs.decodeController(data);
    });
  }

  /** The value of {@code /controller_epoch}, or 0 if no controller was ever elected. */
  public int controllerEpoch() {
    return call("controller epoch", () -> {
      byte[] data = dataOrNull(ZkPaths.CONTROLLER_EPOCH, null);
      return data == null ? 0 : ZkCodecs.decodeControllerEpoch(data);
    });
  }

  // ---- watches -------------------------------------------------------------------------------------------

  /**
   * Calls {@code onChange} once the watch is set up and then whenever a topic is created or deleted or a
   * topic's assignment ({@code /brokers/topics/<t>}) changes. Partition state changes do not trigger it.
   */
  public Watch watchTopics(Runnable onChange) {
    return watchChildren(ZkPaths.BROKER_TOPICS, onChange);
  }

  /** Calls {@code onChange} once set up and whenever a topic is marked for deletion or unmarked. */
  public Watch watchTopicDeletions(Runnable onChange) {
    return watchChildren(ZkPaths.DELETE_TOPICS, onChange);
  }

  /** Calls {@code onChange} with the registered brokers once set up and whenever a broker joins, leaves or re-registers. */
  public Watch watchBrokers(Consumer<List<BrokerRegistration>> onChange) {
    CuratorCache[] holder = new CuratorCache[1];
    Runnable fire = () -> {
      List<BrokerRegistration> brokers = new ArrayList<>();
      holder[0].stream()
          .filter(d -> isChild(ZkPaths.BROKER_IDS, d.getPath()))
          .forEach(d -> {
            try {
              brokers.add(ZkCodecs.decodeBroker(Integer.parseInt(ZkPaths.name(d.getPath())), d.getData()));
            } catch (RuntimeException e) {
              log.warn("Ignoring unreadable broker registration {}", d.getPath(), e);
            }
          });
      brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
      onChange.accept(Collections.unmodifiableList(brokers));
    };
    holder[0] = CuratorCache.build(zk, ZkPaths.BROKER_IDS);
    return startCache(holder[0], ZkPaths.BROKER_IDS, fire, true);
  }

  /** Calls {@code onChange} with the controller id (-1 when none) once set up and whenever {@code /controller} changes. */
  public Watch watchController(IntConsumer onChange) {
    CuratorCache cache = CuratorCache.build(zk, ZkPaths.CONTROLLER, CuratorCache.Options.SINGLE_NODE_CACHE);
    Runnable fire = () -> {
      Optional<ChildData> node = cache.get(ZkPaths.CONTROLLER);
      int id = -1;
      if (node.isPresent() && node.get().getData() != null && node.get().getData().length > 0) {
        try {
          id = ZkCodecs.decodeController(node.get().getData());
        } catch (RuntimeException e) {
          log.warn("Unreadable {}", ZkPaths.CONTROLLER, e);
        }
      }
      onChange.accept(id);
    };
    return startCache(cache, ZkPaths.CONTROLLER, fire, false);
  }

  private Watch watchChildren(String parent, Runnable onChange) {
    return startCache(CuratorCache.build(zk, parent), parent, onChange, true);
  }

  private Watch startCache(CuratorCache cache, String path, Runnable fire, boolean childrenOnly) {
    boolean[] initialized = new boolean[1];
    cache.listenable().addListener(new CuratorCacheListener() {
      @Override
      public void event(Type type, ChildData oldData, ChildData data) {
        ChildData d = data != null ? data : oldData;
        boolean relevant = childrenOnly ? isChild(path, d.getPath()) : path.equals(d.getPath());
        if (initialized[0] && relevant) {
          safely(fire, path);
        }
      }

      @Override
      public void initialized() {
        initialized[0] = true;
        safely(fire, path);
      }
    });
    Watch watch = new Watch() {
      @Override
      public void close() {
        watches.remove(this);
        cache.close();
      }
    };
    watches.add(watch);
    cache.start();
    return watch;
  }

  private static void safely(Runnable r, String path) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("Watch callback for {} failed", path, e);
    }
  }

  private static boolean isChild(String parent, String path) {
    return path.length() > parent.length() + 1 && path.startsWith(parent + "/")
        && path.indexOf('/', parent.length() + 1) < 0;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  /** Stops watches and re-registration; closes the client if this store created it. Ephemeral nodes go with the session. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    registration = null;
    zk.getConnectionStateListenable().removeListener(reRegistration);
    for (Watch w : List.copyOf(watches)) {
      w.close();
    }
    if (owned != null) {
      owned.close();
    }
  }

  private void onConnectionState(CuratorFramework client, ConnectionState state) {
    BrokerRegistration broker = registration;
    if (state != ConnectionState.RECONNECTED || broker == null || closed) {
      return;
    }
    // After a session expiry the ephemeral registration is gone: put it back under the new session, off
    // Curator's connection-state thread (the registration may wait for a stale node).
    Thread t = new Thread(() -> {
      try {
        Stat stat = zk.checkExists().forPath(ZkPaths.brokerId(broker.id()));
        if (registration == broker && (stat == null || stat.getEphemeralOwner() != sessionId())) {
          log.info("Re-registering broker {} after a ZooKeeper reconnect", broker.id());
          registerBroker(broker);
        }
      } catch (Exception e) {
        log.error("Could not re-register broker {} after a ZooKeeper reconnect", broker.id(), e);
      }
    }, "gregor-zk-reregister-" + broker.id());
    t.setDaemon(true);
    t.start();
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface ZkCall<T> {
    T run() throws Exception;
  }

  private static <T> T call(String what, ZkCall<T> body) {
    try {
      return body.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted: " + what, e);
    } catch (Exception e) {
      throw new KafkaException("ZooKeeper operation failed: " + what + ": " + e.getMessage(), e);
    }
  }

  /** Creates {@code path} and missing parents as persistent znodes with empty data. */
  private static void mkdirs(CuratorFramework client, String path) throws Exception {
    if (client.checkExists().forPath(path) != null) {
      return;
    }
    int from = 1;
    while (from > 0) {
      int next = path.indexOf('/', from);
      String prefix = next < 0 ? path : path.substring(0, next);
      try {
        client.create().withMode(CreateMode.PERSISTENT).forPath(prefix, EMPTY);
      } catch (KeeperException.NodeExistsException ignored) {
        // exists
      }
      from = next < 0 ? -1 : next + 1;
    }
  }

  private List<String> children(String path) throws Exception {
    try {
      return zk.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  private byte[] dataOrNull(String path, Stat stat) throws Exception {
    try {
      return stat == null ? zk.getData().forPath(path) : zk.getData().storingStatIn(stat).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  private void addPartitionStateOps(TransactionOp op, List<CuratorOp> ops, String topic, Map<Integer, PartitionState> states)
      throws Exception {
    for (Map.Entry<Integer, PartitionState> e : new TreeMap<>(states).entrySet()) {
      ops.add(op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.partition(topic, e.getKey()), EMPTY));
      ops.add(op.create().withMode(CreateMode.PERSISTENT).forPath(ZkPaths.partitionState(topic, e.getKey()),
          ZkCodecs.partitionState(e.getValue())));
    }
  }

  private long sessionId() throws Exception {
    return zk.getZookeeperClient().getZooKeeper().getSessionId();
  }

  private long sessionTimeoutMs() {
    int negotiated = zk.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
    return negotiated > 0 ? negotiated : 6000;
  }
}
