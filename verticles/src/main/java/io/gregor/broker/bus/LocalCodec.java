package io.gregor.broker.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Hands objects between verticles of one JVM by reference: no serialization, no copy of record bytes. */
public final class LocalCodec implements MessageCodec<Object, Object> {
    public static final String NAME = "gregor-local";

    @Override
    public void encodeToWire(Buffer buffer, Object o) {
        throw new UnsupportedOperationException("local messages never leave the JVM: " + o.getClass().getName());
    }

    @Override
    public Object decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException("local messages never leave the JVM");
    }

    @Override
    public Object transform(Object o) {
        return o;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
