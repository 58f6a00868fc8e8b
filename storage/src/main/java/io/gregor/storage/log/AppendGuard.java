package io.gregor.storage.log;

import java.nio.ByteBuffer;

/**
 * A check between validation and offset assignment of a leader append, such as the idempotent
 * producers' sequence check. It only ever sees batches whose structure and CRC are valid.
 */
public interface AppendGuard {

    /**
     * @return null to append; otherwise what to answer instead of appending (a duplicate of an
     *         earlier append, answered with its original offsets)
     * @throws org.apache.kafka.common.errors.ApiException to refuse the append
     */
    LogAppendInfo beforeAppend(ByteBuffer records, long logStartOffset);

    /** Called with the same buffer once the batches are in the log. */
    void afterAppend(ByteBuffer records, LogAppendInfo info);
}
