package io.gregor.coordination.group;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * The coordinator's writes to its offsets partitions. The records of one call go in one batch;
 * {@code done} gets the append error (NONE on success) and the batch's base offset, on the
 * coordinator's thread.
 */
@FunctionalInterface
public interface GroupLog {
    void append(int offsetsPartition, List<GroupRecord> records, BiConsumer<GroupError, Long> done);
}
