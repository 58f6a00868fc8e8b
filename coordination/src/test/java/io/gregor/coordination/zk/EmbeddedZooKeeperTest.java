package io.gregor.coordination.zk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {

  @TempDir
  Path dir;

  @Test
  void startsOnAFreeLoopbackPortAndAnswersRuok() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0)) {
      assertTrue(zk.port() > 0);
      assertTrue(zk.isRunning());
      assertEquals("127.0.0.1:" + zk.port(), zk.connectString());
      assertEquals("imok", fourLetterWord(zk.port(), "ruok"));
      assertTrue(fourLetterWord(zk.port(), "srvr").contains("Zookeeper version"));
      // not whitelisted
      assertFalse(fourLetterWord(zk.port(), "envi").contains("java.version"));
      assertTrue(Files.isDirectory(dir.resolve("zookeeper").resolve("version-2")));
    }
  }

  @Test
  void bindsOnlyTheLoopbackAddress() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0)) {
      InetSocketAddress bound = zk.address();
      assertEquals("127.0.0.1", bound.getAddress().getHostAddress());
      assertEquals(zk.port(), bound.getPort());
    }
  }

  @Test
  void keepsDataAcrossRestartsAndReleasesThePort() throws Exception {
    int port;
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
         CuratorFramework client = ZkTests.rootClient(zk)) {
      port = zk.port();
      client.create().forPath("/kept", "v".getBytes(StandardCharsets.UTF_8));
    }
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, port);
         CuratorFramework client = ZkTests.rootClient(zk)) {
      assertEquals(port, zk.port());
      assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), client.getData().forPath("/kept"));
    }
  }

  @Test
  void allowsSixSecondSessions() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
         CuratorFramework client = ZkTests.rootClient(zk)) {
      assertEquals(6000, client.getZookeeperClient().getZooKeeper().getSessionTimeout());
    }
  }

  @Test
  void closeIsIdempotentAndRejectsBadPorts() throws Exception {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
    zk.close();
    zk.close();
    assertFalse(zk.isRunning());
    assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.start(dir, 70000));
  }

  private static String fourLetterWord(int port, String cmd) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(cmd.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }
}
