package io.gregor.coordination.group;

import java.util.Arrays;

/** One protocol a member supports (for consumers: an assignor name) with its metadata (the subscription). */
public record Protocol(String name, byte[] metadata) {
    public Protocol {
        metadata = metadata == null ? new byte[0] : metadata;
    }

    boolean sameAs(Protocol other) {
        return name.equals(other.name) && Arrays.equals(metadata, other.metadata);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Protocol p && sameAs(p);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(metadata);
    }

    @Override
    public String toString() {
        return name + "(" + metadata.length + " bytes)";
    }
}
