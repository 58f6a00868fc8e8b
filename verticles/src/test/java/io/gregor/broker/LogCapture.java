package io.gregor.broker;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects the log events of one logger (and its children) while open. log4j2 is the slf4j binding
 * in tests, and Vert.x logs through slf4j too, so this sees the broker's and Vert.x's lines.
 *
 * <p>If the logger has no configuration of its own, one is added (additive, so the console still
 * gets every line) at {@code level}, and removed again on close.
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final ConcurrentLinkedQueue<LogEvent> events = new ConcurrentLinkedQueue<>();
    private final LoggerContext context;
    private final String loggerName;
    private final boolean addedConfig;
    private final Level previousLevel;

    private LogCapture(LoggerContext context, String loggerName, boolean addedConfig, Level previousLevel) {
        super("captured-" + loggerName + "-" + System.nanoTime(), (Filter) null, (Layout<? extends Serializable>) null,
            true, Property.EMPTY_ARRAY);
        this.context = context;
        this.loggerName = loggerName;
        this.addedConfig = addedConfig;
        this.previousLevel = previousLevel;
    }

    /** Captures {@code loggerName} ("" for the root) and its children, from {@code level} up. */
    static LogCapture attach(String loggerName, Level level) {
        LoggerContext context = (LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        LoggerConfig existing = config.getLoggerConfig(loggerName);
        boolean add = !existing.getName().equals(loggerName);
        LoggerConfig target;
        Level previous;
        if (add) {
            // The more verbose of the two, so the console still sees what it saw before.
            Level effective = existing.getLevel().isMoreSpecificThan(level) ? level : existing.getLevel();
            target = new LoggerConfig(loggerName, effective, true);
            config.addLogger(loggerName, target);
            previous = null;
        } else {
            target = existing;
            previous = existing.getLevel();
            if (previous.isMoreSpecificThan(level))
                target.setLevel(level);
        }
        LogCapture capture = new LogCapture(context, loggerName, add, previous);
        capture.start();
        target.addAppender(capture, level, null);
        context.updateLoggers();
        return capture;
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
    }

    List<LogEvent> events() {
        return new ArrayList<>(events);
    }

    List<LogEvent> events(Predicate<LogEvent> filter) {
        return events().stream().filter(filter).toList();
    }

    /** The first event matching {@code filter} within {@code timeoutMs}, or null. */
    LogEvent await(Predicate<LogEvent> filter, long timeoutMs) throws InterruptedException {
        return awaitAfter(0, filter, timeoutMs);
    }

    /** Events captured so far: a mark for {@link #awaitAfter}. */
    int mark() {
        return events.size();
    }

    /** As {@link #await}, among the events captured after {@code mark} only. */
    LogEvent awaitAfter(int mark, Predicate<LogEvent> filter, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        do {
            List<LogEvent> seen = events();
            for (int i = mark; i < seen.size(); i++) {
                if (filter.test(seen.get(i)))
                    return seen.get(i);
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return null;
    }

    static String format(LogEvent event) {
        String text = event.getLevel() + " " + event.getLoggerName() + ": " + event.getMessage().getFormattedMessage();
        return event.getThrown() == null ? text : text + " [" + event.getThrown() + "]";
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        if (addedConfig) {
            config.removeLogger(loggerName);
        } else {
            LoggerConfig target = config.getLoggerConfig(loggerName);
            target.removeAppender(getName());
            if (previousLevel != null)
                target.setLevel(previousLevel);
        }
        context.updateLoggers();
        stop();
    }
}
