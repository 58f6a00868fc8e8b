package io.gregor.broker.metadata;

/** A live broker and the address clients reach it at. */
public record BrokerEndpoint(int id, String host, int port, String rack) {
}
