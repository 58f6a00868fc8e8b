package io.gregor.broker.network;

/**
 * A handler's way to say "close this connection instead of answering", as Kafka does when a
 * produce with acks=0 fails: the client gets no response to learn from, only the disconnect,
 * which makes it refresh its metadata.
 */
public final class CloseConnectionException extends RuntimeException {
    public CloseConnectionException(String reason) {
        super(reason, null, false, false);
    }
}
