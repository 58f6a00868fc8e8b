package io.gregor.broker.group;

import org.apache.kafka.common.protocol.Errors;

import io.gregor.coordination.group.GroupError;

/** The coordinator's errors carry Kafka's names: the mapping is by name. */
final class GroupErrors {
    private GroupErrors() {
    }

    static Errors toKafka(GroupError error) {
        return error == null ? Errors.NONE : Errors.valueOf(error.name());
    }

    static short code(GroupError error) {
        return toKafka(error).code();
    }

    static GroupError fromKafka(Errors error) {
        return GroupError.byName(error.name());
    }
}
