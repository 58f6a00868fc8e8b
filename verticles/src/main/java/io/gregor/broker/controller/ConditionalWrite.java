package io.gregor.broker.controller;

import java.util.Set;

import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.gregor.coordination.zk.ZkVersionConflictException;

/** A partition state written only if nobody wrote since it was read, with a bounded number of re-decisions. */
final class ConditionalWrite {
    /** Conditional writes per partition before giving up. */
    static final int ATTEMPTS = 3;

    private ConditionalWrite() {
    }

    /**
     * Writes {@code next}; on a version conflict adds the partition to {@code conflicts} (to be
     * decided again on what was written meanwhile) and returns false, or throws on the last attempt.
     */
    static boolean write(ZkMetadataStore store, String topic, int partition, PartitionState next, int attempt,
                         Set<Integer> conflicts) {
        try {
            store.updatePartitionState(topic, partition, next);
            return true;
        } catch (ZkVersionConflictException e) {
            if (attempt >= ATTEMPTS)
                throw e;
            conflicts.add(partition);
            return false;
        }
    }
}
