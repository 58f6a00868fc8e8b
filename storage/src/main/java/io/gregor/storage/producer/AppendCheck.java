package io.gregor.storage.producer;

import org.apache.kafka.common.protocol.Errors;

/**
 * The producer-state verdict on a batch a client sends to the leader, taken before the append.
 *
 * <ul>
 *   <li>{@link Outcome#OK}: append it.</li>
 *   <li>{@link Outcome#DUPLICATE}: a retry of a batch already in the log. Do not append; answer
 *       success with {@link #firstOffset()} as the base offset (Kafka also returns the cached
 *       {@link #timestamp()} as the response's log append time).</li>
 *   <li>{@link Outcome#ERROR}: do not append; answer the partition with {@link #error()}.</li>
 * </ul>
 */
public final class AppendCheck {
    public enum Outcome { OK, DUPLICATE, ERROR }

    private static final AppendCheck OK = new AppendCheck(Outcome.OK, Errors.NONE, -1L, -1L, -1L, null);

    private final Outcome outcome;
    private final Errors error;
    private final long firstOffset;
    private final long lastOffset;
    private final long timestamp;
    private final String message;

    private AppendCheck(Outcome outcome, Errors error, long firstOffset, long lastOffset, long timestamp, String message) {
        this.outcome = outcome;
        this.error = error;
        this.firstOffset = firstOffset;
        this.lastOffset = lastOffset;
        this.timestamp = timestamp;
        this.message = message;
    }

    /** The shared verdict for an acceptable batch (no allocation on the hot path). */
    public static AppendCheck ok() {
        return OK;
    }

    public static AppendCheck duplicate(BatchMetadata original) {
        return new AppendCheck(Outcome.DUPLICATE, Errors.NONE, original.firstOffset(), original.lastOffset(),
            original.timestamp(), null);
    }

    public static AppendCheck error(Errors error, String message) {
        if (error == Errors.NONE)
            throw new IllegalArgumentException("an error verdict needs an error code");
        return new AppendCheck(Outcome.ERROR, error, -1L, -1L, -1L, message);
    }

    public Outcome outcome() {
        return outcome;
    }

    public boolean isOk() {
        return outcome == Outcome.OK;
    }

    public boolean isDuplicate() {
        return outcome == Outcome.DUPLICATE;
    }

    public boolean isError() {
        return outcome == Outcome.ERROR;
    }

    /** The error to answer with; {@link Errors#NONE} for OK and DUPLICATE. */
    public Errors error() {
        return error;
    }

    /** For DUPLICATE: the offset the original batch was appended at; -1 otherwise. */
    public long firstOffset() {
        return firstOffset;
    }

    /** For DUPLICATE: the last offset of the original batch; -1 otherwise. */
    public long lastOffset() {
        return lastOffset;
    }

    /** For DUPLICATE: the original batch's stored max timestamp; -1 otherwise. */
    public long timestamp() {
        return timestamp;
    }

    /** For ERROR: a message in Kafka's wording for the produce response and the log; null otherwise. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return switch (outcome) {
            case OK -> "AppendCheck(OK)";
            case DUPLICATE -> "AppendCheck(DUPLICATE of offsets " + firstOffset + ".." + lastOffset + ")";
            case ERROR -> "AppendCheck(" + error + ": " + message + ")";
        };
    }
}
