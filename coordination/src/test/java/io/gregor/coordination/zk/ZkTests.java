package io.gregor.coordination.zk;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/** Shared helpers of the ZooKeeper tests. */
final class ZkTests {

  private ZkTests() {
  }

  /** A started, un-namespaced client with a 6 s session. */
  static CuratorFramework rootClient(EmbeddedZooKeeper server) throws InterruptedException {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(server.connectString())
        .sessionTimeoutMs(6000)
        .connectionTimeoutMs(5000)
        .retryPolicy(new RetryOneTime(200))
        .build();
    client.start();
    if (!client.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)) {
      fail("could not connect to " + server.connectString());
    }
    return client;
  }

  static String text(byte[] data) {
    return new String(data, StandardCharsets.UTF_8);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
