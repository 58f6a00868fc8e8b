package io.gregor.coordination.zk;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node ZooKeeper server bound to 127.0.0.1 only, for the single-broker default
 * ({@code zookeeper.connect=embedded}). tickTime 2000 ms, so sessions of 4-40 s are accepted; no AdminServer;
 * four-letter words limited to {@code srvr,ruok,stat}.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

  public static final int TICK_TIME_MS = 2000;
  public static final int MAX_CLIENT_CONNECTIONS = 1000;
  private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

  static {
    // Only ZooKeeperServerMain starts an AdminServer; keep it off for any code path that would.
    setIfAbsent("zookeeper.admin.enableServer", "false");
    setIfAbsent("zookeeper.4lw.commands.whitelist", "srvr,ruok,stat");
    // Total connection limit; ZooKeeper warns at every start while it is left at 0 (unlimited).
    setIfAbsent("zookeeper.maxCnxns", "10000");
    // ZooKeeper would otherwise try to register a log4j 1 JMX bean.
    setIfAbsent("zookeeper.jmx.log4j.disable", "true");
  }

  private final Path dataDir;
  private final ZooKeeperServer server;
  private final ServerCnxnFactory factory;
  private volatile boolean closed;

  private EmbeddedZooKeeper(Path dataDir, ZooKeeperServer server, ServerCnxnFactory factory) {
    this.dataDir = dataDir;
    this.server = server;
    this.factory = factory;
  }

  /**
   * Starts a server keeping snapshots and transaction logs in {@code dataDir} (created if missing), listening
   * on 127.0.0.1:{@code port}; port 0 picks a free port (see {@link #port()}).
   */
  public static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    Files.createDirectories(dataDir);
    File dir = dataDir.toFile();
    ZooKeeperServer server = new ZooKeeperServer(dir, dir, TICK_TIME_MS);
    ServerCnxnFactory factory = ServerCnxnFactory.createFactory();
    try {
      factory.configure(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port),
          MAX_CLIENT_CONNECTIONS);
      factory.startup(server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      factory.shutdown();
      throw new IOException("Interrupted while starting the embedded ZooKeeper", e);
    } catch (IOException | RuntimeException e) {
      factory.shutdown();
      server.getTxnLogFactory().close();
      throw e;
    }
    EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dataDir, server, factory);
    log.info("Embedded ZooKeeper listening on {} with data in {}", zk.connectString(), dataDir);
    return zk;
  }

  /** The bound port. */
  public int port() {
    return factory.getLocalPort();
  }

  /** The bound address (always 127.0.0.1). */
  public InetSocketAddress address() {
    return factory.getLocalAddress();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String connectString() {
    return "127.0.0.1:" + port();
  }

  public Path dataDir() {
    return dataDir;
  }

  public boolean isRunning() {
    return !closed && server.isRunning();
  }

  /** The server itself, for tests that look at the data tree. */
  ZooKeeperServer server() {
    return server;
  }

  /** Stops accepting connections, closes sessions, shuts the server down and releases the data files. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      factory.shutdown();
    } finally {
      try {
        server.shutdown(true); // no-op if the factory already stopped it
      } finally {
        try {
          server.getTxnLogFactory().close();
        } catch (IOException e) {
          log.warn("Closing the embedded ZooKeeper's data files failed", e);
        }
      }
    }
    log.info("Embedded ZooKeeper stopped ({})", dataDir);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
