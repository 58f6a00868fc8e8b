package io.gregor.coordination.group;

/**
 * The coordinator's clock and timers. The broker backs it with Vert.x timers on the
 * coordinator's event loop; tests drive a manual one. Tasks run on the coordinator's thread.
 */
public interface GroupScheduler {
    long nowMs();

    /** Runs {@code task} after {@code delayMs} unless cancelled first. */
    Cancellable schedule(long delayMs, Runnable task);

    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
