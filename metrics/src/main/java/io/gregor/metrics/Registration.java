package io.gregor.metrics;

/** Meters registered for something that can go away (a partition, a gauge source); closing removes them. */
@FunctionalInterface
public interface Registration extends AutoCloseable {
    Registration NONE = () -> { };

    /** Removes the meters from the registry; closing twice is harmless. */
    @Override
    void close();
}
