package io.gregor.broker.producer;

import java.nio.charset.StandardCharsets;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Hands out producer ids from blocks of 1000 claimed in ZooKeeper's
 * {@code /latest_producer_id_block}, as Kafka's ZooKeeper-mode brokers do, so ids stay unique
 * across brokers and restarts.
 */
public final class ProducerIdManager {
    static final String PATH = "/latest_producer_id_block";
    private static final long BLOCK_SIZE = 1000;

    private final Vertx vertx;
    private final CuratorFramework zk;
    private final int brokerId;
    private long next;
    private long blockEnd = -1;

    public ProducerIdManager(Vertx vertx, CuratorFramework zk, int brokerId) {
        this.vertx = vertx;
        this.zk = zk;
        this.brokerId = brokerId;
    }

    public Future<Long> generate() {
        synchronized (this) {
            if (next <= blockEnd)
                return Future.succeededFuture(next++);
        }
        return vertx.executeBlocking(this::nextAfterClaim);
    }

    private synchronized long nextAfterClaim() throws Exception {
        if (next > blockEnd)
            claimBlock();
        return next++;
    }

    /** Claims the block after the latest one with a conditional write; retries when another broker won. */
    private void claimBlock() throws Exception {
        while (true) {
            Stat stat = new Stat();
            byte[] current;
            try {
                current = zk.getData().storingStatIn(stat).forPath(PATH);
            } catch (KeeperException.NoNodeException e) {
                zk.create().creatingParentsIfNeeded().forPath(PATH, new byte[0]);
                continue;
            }
            long start = 0;
            if (current != null && current.length > 0)
                start = Long.parseLong(new JsonObject(new String(current, StandardCharsets.UTF_8)).getString("block_end")) + 1;
            long end = start + BLOCK_SIZE - 1;
            byte[] claimed = new JsonObject().put("version", 1).put("broker", brokerId)
                .put("block_start", Long.toString(start)).put("block_end", Long.toString(end))
                .encode().getBytes(StandardCharsets.UTF_8);
            try {
                zk.setData().withVersion(stat.getVersion()).forPath(PATH, claimed);
                next = start;
                blockEnd = end;
                return;
            } catch (KeeperException.BadVersionException raced) {
                // Another broker claimed this block first; read the new latest and try the next one.
            }
        }
    }
}
