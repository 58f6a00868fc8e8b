package io.gregor.storage.epoch;

/** The first offset written under a leader epoch. */
public record EpochEntry(int epoch, long startOffset) {
}
