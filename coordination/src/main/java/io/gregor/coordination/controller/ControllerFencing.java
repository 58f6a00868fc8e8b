package io.gregor.coordination.controller;

import io.gregor.coordination.zk.PartitionState;
import org.apache.kafka.common.errors.ControllerMovedException;

/** Kafka's controller epoch fencing: a controller that finds a newer controller's write has been replaced. */
final class ControllerFencing {

  private ControllerFencing() {
  }

  /** @throws ControllerMovedException if {@code current} was written by a controller with a newer epoch */
  static void requireNotNewer(PartitionState current, int controllerEpoch) {
    if (current.controllerEpoch() > controllerEpoch) {
      throw new ControllerMovedException("Partition state was written by controller epoch " + current.controllerEpoch()
          + ", newer than " + controllerEpoch);
    }
  }
}
