package io.gregor.broker;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.config.BrokerConfig;

/**
 * {@code java -jar gregor.jar [server.properties]}: starts one broker and stops it cleanly on
 * SIGTERM or Ctrl-C.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Before Netty or Chronicle load: Netty may then wrap mapped memory without a copy, and
        // Chronicle must not phone home.
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("disable.perf.info", "true");
        Logger log = LoggerFactory.getLogger(Main.class);
        if (args.length > 1 || (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help")))) {
            System.err.println("usage: java -jar gregor.jar [server.properties]");
            System.exit(args.length == 1 ? 0 : 2);
        }
        Path file = args.length == 1 ? Path.of(args[0]) : null;
        if (file != null && !Files.isReadable(file)) {
            System.err.println("Cannot read the configuration file " + file);
            System.exit(2);
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.load(file, System.getenv());
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        log.info(config.describe());
        try {
            Broker broker = Broker.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "gregor-shutdown"));
        } catch (Exception e) {
            log.error("Gregor failed to start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }
}
