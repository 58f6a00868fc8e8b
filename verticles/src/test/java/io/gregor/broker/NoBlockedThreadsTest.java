package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** {@link NoBlockedThreads} listens where Vert.x 5 really reports a blocked event loop, and matches its words. */
class NoBlockedThreadsTest {

    @Test
    void aBlockedEventLoopIsSeenByTheExtensionsCapture() throws Exception {
        try (LogCapture capture = LogCapture.attach(NoBlockedThreads.LOGGER, Level.WARN)) {
            Vertx vertx = Vertx.vertx(new VertxOptions()
                .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
            try {
                assertEquals(List.of(), NoBlockedThreads.blocked(capture));
                vertx.runOnContext(v -> sleep(600));
                LogEvent warning = capture.await(e -> !NoBlockedThreads.blocked(capture).isEmpty(), 5000);
                assertTrue(warning != null, "no blocked-thread warning captured from " + NoBlockedThreads.LOGGER);
                String text = NoBlockedThreads.blocked(capture).get(0).getMessage().getFormattedMessage();
                assertTrue(text.contains("vert.x-eventloop-thread") && text.contains("has been blocked"), text);
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
