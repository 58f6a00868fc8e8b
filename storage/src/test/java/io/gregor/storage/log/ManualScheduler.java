package io.gregor.storage.log;

import java.util.ArrayList;
import java.util.List;

/** Runs scheduled tasks only when the test says so, at the mock clock's time. */
public final class ManualScheduler implements Scheduler {
    private record Task(String name, Runnable task, long dueMs) {
    }

    private final TestTime time;
    private final List<Task> tasks = new ArrayList<>();

    public ManualScheduler(TestTime time) {
        this.time = time;
    }

    @Override
    public synchronized void schedule(String name, Runnable task, long delayMs) {
        tasks.add(new Task(name, task, time.milliseconds() + delayMs));
    }

    /** Runs every task due by now (including tasks those tasks schedule). */
    public void runDue() {
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> t.dueMs() <= time.milliseconds()).findFirst().orElse(null);
                if (next == null)
                    return;
                tasks.remove(next);
            }
            next.task().run();
        }
    }

    public void advance(long ms) {
        time.sleep(ms);
        runDue();
    }

    public synchronized int pending() {
        return tasks.size();
    }
}
