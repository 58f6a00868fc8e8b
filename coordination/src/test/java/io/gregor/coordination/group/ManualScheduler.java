package io.gregor.coordination.group;

import java.util.PriorityQueue;

/** A scheduler whose clock moves only when the test says so; due tasks run in time order. */
final class ManualScheduler implements GroupScheduler {
    private final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long seq;
        final Runnable action;
        boolean cancelled;

        Task(long due, long seq, Runnable action) {
            this.due = due;
            this.seq = seq;
            this.action = action;
        }

        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now = 1_000_000L;
    private long seq;

    @Override
    public long nowMs() {
        return now;
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable action) {
        Task task = new Task(now + Math.max(0, delayMs), seq++, action);
        tasks.add(task);
        return task;
    }

    /** Moves the clock forward, running every task that falls due on the way. */
    void advance(long ms) {
        long target = now + ms;
        while (true) {
            Task next = tasks.peek();
            if (next == null || next.due > target)
                break;
            tasks.poll();
            if (next.cancelled)
                continue;
            now = Math.max(now, next.due);
            next.action.run();
        }
        now = target;
    }

    int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }
}
