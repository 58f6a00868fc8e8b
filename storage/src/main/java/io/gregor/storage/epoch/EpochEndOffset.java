package io.gregor.storage.epoch;

/** The answer to an OffsetForLeaderEpoch question; the undefined values are the ones that go on the wire. */
public record EpochEndOffset(int epoch, long endOffset) {

    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
}
