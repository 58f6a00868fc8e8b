package io.gregor.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Apache Kafka's command-line tools (on the test classpath) in a child JVM, as
 * Kafka's {@code bin/kafka-*.sh} scripts do: the tools call {@code System.exit}, so they cannot
 * run in the test JVM. Logging goes to stderr at WARN, like Kafka's {@code tools-log4j.properties}.
 */
public final class KafkaTool {
    // Kafka's tool classes, as bin/kafka-*.sh of 3.9 run them.
    public static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    static final String CONSOLE_PRODUCER = "kafka.tools.ConsoleProducer";
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    static final String CONFIGS = "kafka.admin.ConfigCommand";
    static final String DUMP_LOG = "kafka.tools.DumpLogSegments";
    static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
    static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
    static final String BROKER_API_VERSIONS = "kafka.admin.BrokerApiVersionsCommand";

    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    private static Path log4jConfig;

    /** What a tool did: its exit code (-1 if it ran past its deadline and was killed) and its output. */
    public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        /** stdout and stderr together, for assertions on messages a tool may print to either. */
        public String output() {
            return stdout + stderr;
        }

        /** For assertion messages. */
        public String describe() {
            return "exit=" + exitCode + (timedOut ? " (killed at deadline)" : "") + "\n--- stdout ---\n" + stdout
                + "\n--- stderr ---\n" + stderr;
        }

        /** The non-blank lines of stdout. */
        public List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    private KafkaTool() {
    }

    public static Result run(String mainClass, String... args) throws Exception {
        return run(DEFAULT_DEADLINE, null, mainClass, args);
    }

    static Result runWithInput(String stdin, String mainClass, String... args) throws Exception {
        return run(DEFAULT_DEADLINE, stdin, mainClass, args);
    }

    /** A log4j2 configuration like Kafka's tools-log4j: WARN and above to stderr. */
    private static synchronized Path log4jConfig() throws IOException {
        if (log4jConfig == null) {
            Path file = Files.createTempFile("kafka-tools-log4j2", ".properties");
            file.toFile().deleteOnExit();
            Files.writeString(file, String.join("\n",
                "status = warn",
                "appender.stderr.type = Console",
                "appender.stderr.name = STDERR",
                "appender.stderr.target = SYSTEM_ERR",
                "appender.stderr.layout.type = PatternLayout",
                "appender.stderr.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = warn",
                "rootLogger.appenderRef.stderr.ref = STDERR", ""));
            log4jConfig = file;
        }
        return log4jConfig;
    }

    /**
     * Runs {@code mainClass args} in a child JVM with the test classpath, feeds it {@code stdin}
     * (then closes it; null = empty input), and waits at most {@code deadline}, after which the
     * process tree is killed.
     */
    static Result run(Duration deadline, String stdin, String mainClass, String... args) throws Exception {
        return exec(deadline, stdin, javaCommand(mainClass, List.of(args)));
    }

    /** The command line of a child JVM running {@code mainClass} from the test classpath, logging like Kafka's tools. */
    public static List<String> javaCommand(String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add("-Dlog4j2.configurationFile=" + log4jConfig().toUri());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * Runs any command (a native tool such as kcat, or a JVM), feeds it {@code stdin} (then closes
     * it; null = no input), and waits at most {@code deadline}, after which the process and its
     * descendants are killed and the result says so.
     */
    static Result exec(Duration deadline, String stdin, List<String> command) throws Exception {
        Path out = Files.createTempFile("kafka-tool", ".out");
        Path err = Files.createTempFile("kafka-tool", ".err");
        Process process = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
            if (stdin == null)
                builder.redirectInput(ProcessBuilder.Redirect.from(nullFile()));
            process = builder.start();
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // The tool exited before reading its input: its exit code and output tell why.
                }
            }
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                return new Result(-1, read(out), read(err), true);
            }
            return new Result(process.exitValue(), read(out), read(err), false);
        } finally {
            if (process != null && process.isAlive())
                kill(process);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void kill(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
