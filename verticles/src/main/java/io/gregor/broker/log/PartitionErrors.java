package io.gregor.broker.log;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps what the log throws to Kafka's per-partition error codes. */
final class PartitionErrors {
    private static final Logger log = LoggerFactory.getLogger(PartitionErrors.class);

    private PartitionErrors() {
    }

    static Errors of(RuntimeException e, String what) {
        if (e instanceof ApiException)
            return Errors.forException(e);
        log.error("Unexpected error in {}", what, e);
        return Errors.UNKNOWN_SERVER_ERROR;
    }
}
