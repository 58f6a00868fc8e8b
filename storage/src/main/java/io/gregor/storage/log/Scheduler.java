package io.gregor.storage.log;

/**
 * Runs log housekeeping off the partition's owner thread: fsyncs and delayed file deletion.
 * Tests substitute one that runs tasks when they advance a mock clock.
 */
public interface Scheduler {
    void schedule(String name, Runnable task, long delayMs);
}
