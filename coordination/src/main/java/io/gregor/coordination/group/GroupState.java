package io.gregor.coordination.group;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The classic group states, named as Kafka names them in DescribeGroups, ListGroups and the CLI.
 *
 * <ul>
 * <li>Empty: no members; offsets may linger until they expire. A join moves it to PreparingRebalance.</li>
 * <li>PreparingRebalance: joins are parked until every known member rejoined or the rebalance timeout.</li>
 * <li>CompletingRebalance: the members got their JoinGroup answer; waiting for the leader's assignment.</li>
 * <li>Stable: the assignment is out; heartbeats keep members alive.</li>
 * <li>Dead: removed (deleted, expired or unloaded); never leaves this state.</li>
 * </ul>
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** The name clients see ("PreparingRebalance", ...). */
    public String kafkaName() {
        return kafkaName;
    }

    public String lowerCaseName() {
        return kafkaName.toLowerCase(Locale.ROOT);
    }

    /** The states a group may be in before moving to this one. */
    Set<GroupState> validPreviousStates() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.allOf(GroupState.class);
        };
    }

    @Override
    public String toString() {
        return kafkaName;
    }
}
