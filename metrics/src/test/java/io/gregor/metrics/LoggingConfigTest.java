package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/log4j2.xml: loads cleanly, writes a Kafka-style server.log under gregor.logs.dir, request logging off. */
class LoggingConfigTest {

    @Test
    void writesServerLogAndKeepsRequestLoggingOff(@TempDir Path logs) throws Exception {
        String previous = System.getProperty("gregor.logs.dir");
        System.setProperty("gregor.logs.dir", logs.toString());
        LoggerContext context = new LoggerContext("gregor-conf-test", null, Path.of("../conf/log4j2.xml").toUri());
        try {
            context.start();
            assertEquals("gregor-conf-test", context.getName());
            Set<String> appenders = new TreeSet<>(context.getConfiguration().getAppenders().keySet());
            assertEquals(Set.of("controller", "request", "server", "stateChange", "stdout"), appenders);

            context.getLogger("io.gregor.broker.Broker").info("[Gregor id=1] started");
            context.getLogger("net.openhft.chronicle.bytes.MappedFile").info("chatty library line");
            context.getLogger("kafka.request.logger").debug("Completed request: Produce v9 ...");
            assertFalse(context.getLogger("kafka.request.logger").isEnabled(Level.DEBUG), "request-level logging off");
            context.getLogger("kafka.request.logger").warn("request warning");
            context.getLogger("state.change.logger").info("partition state change");
        } finally {
            context.stop();
            if (previous == null)
                System.clearProperty("gregor.logs.dir");
            else
                System.setProperty("gregor.logs.dir", previous);
        }
        String server = Files.readString(logs.resolve("server.log"));
        assertTrue(server.matches("(?s)\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}] INFO  \\[Gregor id=1] started "
            + "\\(io\\.gregor\\.broker\\.Broker\\)\n"), "Kafka's layout: " + server);
        String request = Files.readString(logs.resolve("kafka-request.log"));
        assertTrue(request.contains("request warning") && !request.contains("Completed request"), request);
        assertTrue(Files.readString(logs.resolve("state-change.log")).contains("partition state change"));
    }
}
