package io.gregor.storage.log;

import java.util.function.Supplier;

import org.apache.kafka.common.utils.Time;

/** A clock that moves only when the test moves it. */
public final class TestTime implements Time {
    private volatile long nowMs;

    public TestTime(long startMs) {
        this.nowMs = startMs;
    }

    @Override
    public long milliseconds() {
        return nowMs;
    }

    @Override
    public long nanoseconds() {
        return nowMs * 1_000_000L;
    }

    @Override
    public void sleep(long ms) {
        nowMs += ms;
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
        throw new UnsupportedOperationException("tests drive the clock themselves");
    }
}
