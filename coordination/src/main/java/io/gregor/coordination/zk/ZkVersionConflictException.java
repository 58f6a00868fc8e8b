package io.gregor.coordination.zk;

/**
 * A conditional ZooKeeper write lost a race: the znode changed (or appeared / vanished) since it was read.
 * The caller re-reads and decides again.
 */
public class ZkVersionConflictException extends RuntimeException {

  public ZkVersionConflictException(String message) {
    super(message);
  }

  public ZkVersionConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
