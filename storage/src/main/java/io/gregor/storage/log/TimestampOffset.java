package io.gregor.storage.log;

/** A ListOffsets answer: the record's timestamp, its offset, and the leader epoch that wrote it (-1 if unknown). */
public record TimestampOffset(long timestamp, long offset, int leaderEpoch) {
}
