package io.gregor.broker.log;

import org.apache.kafka.common.protocol.Errors;

import io.gregor.storage.log.Log;

/**
 * Where a follower's log stands after an append or a truncation: the offset to fetch from next
 * and the latest leader epoch it holds (what to ask the leader about after a leader change).
 * NOT_LEADER_OR_FOLLOWER when this broker no longer follows the partition.
 */
public record FollowerPosition(Errors error, long logEndOffset, int latestEpoch) {
    static final FollowerPosition NOT_FOLLOWING = new FollowerPosition(Errors.NOT_LEADER_OR_FOLLOWER, -1, -1);

    static FollowerPosition of(Errors error, Log log) {
        return new FollowerPosition(error, log.logEndOffset(), log.leaderEpochCache().latestEpoch().orElse(-1));
    }
}
