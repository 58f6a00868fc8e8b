package io.gregor.storage.log;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log manager's background threads: fsyncs, checkpoints, delayed deletes. */
public final class LogScheduler implements Scheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogScheduler.class);

    private final ScheduledThreadPoolExecutor executor;

    public LogScheduler(int threads) {
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "gregor-log-scheduler-" + counter.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
        executor = new ScheduledThreadPoolExecutor(threads, factory);
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void schedule(String name, Runnable task, long delayMs) {
        if (executor.isShutdown())
            return;
        executor.schedule(guarded(name, task), Math.max(delayMs, 0L), TimeUnit.MILLISECONDS);
    }

    public void schedulePeriodic(String name, Runnable task, long periodMs) {
        if (periodMs <= 0 || periodMs == Long.MAX_VALUE)
            return;
        executor.scheduleWithFixedDelay(guarded(name, task), periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    private static Runnable guarded(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("Uncaught exception in scheduled task '{}'", name, e);
            }
        };
    }

    /** Runs delayed deletions now instead of dropping them, so no file outlives a clean shutdown. */
    @Override
    public void close() {
        for (Runnable pending : executor.shutdownNow())
            pending.run();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
