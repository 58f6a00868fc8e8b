package io.gregor.broker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.opentest4j.AssertionFailedError;

/**
 * Fails a test (and its class) when Vert.x's blocked-thread checker complains while it runs: the
 * design says nothing blocks an event loop, and these warnings must stay silent in tests.
 *
 * <p>Use with {@code @ExtendWith(NoBlockedThreads.class)} on the test class. It listens to the
 * checker's logger from before the class's {@code @BeforeAll} (so a broker's start-up is covered)
 * to after its {@code @AfterAll} (so is its shutdown). A warning seen during a test fails that
 * test; one seen outside any test (start-up, shutdown, or late) fails the class.
 */
public final class NoBlockedThreads implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** Vert.x's {@code BlockedThreadChecker.LOGGER_NAME} (the class itself lives in an internal package). */
    static final String LOGGER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final Namespace NAMESPACE = Namespace.create(NoBlockedThreads.class);
    private static final String CAPTURE = "capture";
    private static final String REPORTED = "reported";
    private static final String SEEN_AT_START = "seenAtStart";

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put(CAPTURE, LogCapture.attach(LOGGER, Level.WARN));
        store.put(REPORTED, new AtomicInteger());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put(SEEN_AT_START, blocked(capture(context)).size());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<LogEvent> blocked = blocked(capture(context));
        int seenAtStart = context.getStore(NAMESPACE).get(SEEN_AT_START, Integer.class);
        if (blocked.size() > seenAtStart) {
            // Counted as reported so the class-level check does not repeat them.
            context.getStore(NAMESPACE).get(REPORTED, AtomicInteger.class).set(blocked.size());
            throw failure("while " + context.getDisplayName() + " ran", blocked.subList(seenAtStart, blocked.size()));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        LogCapture capture = store.remove(CAPTURE, LogCapture.class);
        if (capture == null)
            return;
        capture.close();
        List<LogEvent> blocked = blocked(capture);
        int reported = store.get(REPORTED, AtomicInteger.class).get();
        if (blocked.size() > reported)
            throw failure("in " + context.getDisplayName() + " outside its tests (start-up, shutdown)",
                blocked.subList(reported, blocked.size()));
    }

    private static LogCapture capture(ExtensionContext context) {
        // A method's store (also a parameterized invocation's) finds the class's values through its parents.
        return context.getStore(NAMESPACE).get(CAPTURE, LogCapture.class);
    }

    static List<LogEvent> blocked(LogCapture capture) {
        return capture.events(e -> e.getLevel().isMoreSpecificThan(Level.WARN)
            && e.getMessage().getFormattedMessage().contains("has been blocked"));
    }

    private static AssertionFailedError failure(String when, List<LogEvent> lines) {
        StringBuilder message = new StringBuilder("Vert.x blocked-thread warnings ").append(when).append(':');
        for (LogEvent line : lines) {
            message.append("\n  ").append(line.getThreadName()).append(": ").append(line.getMessage().getFormattedMessage());
            if (line.getThrown() != null) {
                StackTraceElement[] stack = line.getThrown().getStackTrace();
                for (int i = 0; i < Math.min(stack.length, 12); i++)
                    message.append("\n      at ").append(stack[i]);
            }
        }
        return new AssertionFailedError(message.toString());
    }
}
