package io.gregor.coordination.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZkMetadataStoreWatchTest {

  @TempDir
  Path dir;
  EmbeddedZooKeeper server;
  ZkMetadataStore store;

  @BeforeEach
  void start() throws Exception {
    server = EmbeddedZooKeeper.start(dir, 0);
    store = ZkMetadataStore.connect(server.connectString() + "/gregor-test", 6000, 5000);
    store.ensurePersistentPaths();
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  private static <T> T next(BlockingQueue<T> q) throws InterruptedException {
    T value = q.poll(10, TimeUnit.SECONDS);
    if (value == null) {
      throw new AssertionError("no event within 10 s");
    }
    return value;
  }

  @Test
  void watchTopicsFiresForTopicsAndAssignmentsButNotForStates() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ZkMetadataStore.Watch watch = store.watchTopics(calls::incrementAndGet);
    ZkTests.await("initial call", Duration.ofSeconds(10), () -> calls.get() == 1);

    store.createTopic(new TopicAssignment("a", Uuid.randomUuid(), Map.of(0, List.of(0))), Map.of(),
        Map.of(0, PartitionState.of(0, 0, List.of(0), 1)));
    ZkTests.await("topic created", Duration.ofSeconds(10), () -> calls.get() == 2);

    store.updatePartitionState("a", 0, new PartitionState(0, 1, List.of(0), 1, 0));
    store.addPartitions("a", Map.of(1, List.of(0)), Map.of());
    ZkTests.await("partitions added", Duration.ofSeconds(10), () -> calls.get() == 3);
    // the state update before the assignment change did not fire on its own
    Thread.sleep(200);
    assertEquals(3, calls.get());

    store.markTopicForDeletion("a");
    store.deleteTopic("a");
    ZkTests.await("topic deleted", Duration.ofSeconds(10), () -> calls.get() == 4);

    watch.close();
    store.createTopic(new TopicAssignment("b", Uuid.randomUuid(), Map.of(0, List.of(0))), Map.of(), Map.of());
    Thread.sleep(300);
    assertEquals(4, calls.get(), "closed watch stays silent");
  }

  @Test
  void watchBrokersReportsTheLiveSet() throws Exception {
    BlockingQueue<List<BrokerRegistration>> events = new LinkedBlockingQueue<>();
    store.watchBrokers(events::add);
    assertEquals(List.of(), next(events));

    BrokerRegistration b0 = new BrokerRegistration(0, "127.0.0.1", 9092);
    store.registerBroker(b0);
    assertEquals(List.of(b0), next(events));

    BrokerRegistration b1 = new BrokerRegistration(1, "127.0.0.1", 9093, "r");
    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + "/gregor-test", 6000, 5000)) {
      other.registerBroker(b1);
      assertEquals(List.of(b0, b1), next(events));
    }
    assertEquals(List.of(b0), next(events));
  }

  @Test
  void watchControllerAndDeletions() throws Exception {
    BlockingQueue<Integer> controllers = new LinkedBlockingQueue<>();
    AtomicInteger deletions = new AtomicInteger();
    store.watchController(controllers::add);
    store.watchTopicDeletions(deletions::incrementAndGet);
    assertEquals(-1, next(controllers));

    try (ZkMetadataStore other = ZkMetadataStore.connect(server.connectString() + "/gregor-test", 6000, 5000)) {
      assertTrue(other.tryElectController(2));
      assertEquals(2, next(controllers));
    }
    assertEquals(-1, next(controllers));
    assertTrue(store.tryElectController(0));
    assertEquals(0, next(controllers));

    ZkTests.await("initial deletion call", Duration.ofSeconds(10), () -> deletions.get() == 1);
    store.createTopic(new TopicAssignment("d", Uuid.randomUuid(), Map.of(0, List.of(0))), Map.of(), Map.of());
    store.markTopicForDeletion("d");
    ZkTests.await("marked", Duration.ofSeconds(10), () -> deletions.get() == 2);
    store.deleteTopic("d");
    ZkTests.await("unmarked", Duration.ofSeconds(10), () -> deletions.get() == 3);

    store.close(); // closes the watches too
    assertNull(controllers.poll(200, TimeUnit.MILLISECONDS));
  }
}
