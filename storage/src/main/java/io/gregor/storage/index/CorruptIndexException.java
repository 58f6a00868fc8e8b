package io.gregor.storage.index;

/** An index that fails its sanity check; the log rebuilds it from the segment's data. */
public final class CorruptIndexException extends Exception {
    public CorruptIndexException(String message) {
        super(message);
    }
}
