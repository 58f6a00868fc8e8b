package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged broker as a user runs it: {@code java -jar gregor.jar conf/server.properties},
 * configured through GREGOR_* variables, stopped with SIGTERM.
 */
class BrokerProcessIT {
    private static final Path JAR = Path.of(System.getProperty("gregor.jar", "target/gregor.jar"));
    private static final Path SHIPPED_CONFIG = Path.of("..", "conf", "server.properties");
    private static final Pattern STARTED = Pattern.compile("\\[Gregor id=(\\d+)] started in (\\d+) ms, listening on PLAINTEXT://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    /** A running broker process and everything it printed so far. */
    private static final class BrokerProcess implements AutoCloseable {
        final Process process;
        final List<String> output = new CopyOnWriteArrayList<>();
        private final Thread reader;

        BrokerProcess(Process process) {
            this.process = process;
            reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null)
                        output.add(line);
                } catch (IOException ignored) {
                    // The process is gone; what it printed is in output.
                }
            }, "broker-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for a line matching {@code pattern}, or for the process to end. */
        Matcher await(Pattern pattern, long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                boolean ended = !process.isAlive();
                if (ended)
                    reader.join(5000);
                for (String line : output) {
                    Matcher m = pattern.matcher(line);
                    if (m.find())
                        return m;
                }
                if (ended || System.nanoTime() > deadline)
                    return null;
                Thread.sleep(50);
            }
        }

        String text() {
            return String.join("\n", output);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private BrokerProcess launch(List<String> args, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-jar", JAR.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
        builder.environment().putAll(env);
        return new BrokerProcess(builder.start());
    }

    private Map<String, String> loopbackEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("GREGOR_LISTENERS", "PLAINTEXT://127.0.0.1:0");
        env.put("GREGOR_LOG_DIRS", dir.resolve("kafka-logs").toString());
        env.put("GREGOR_ZOOKEEPER_EMBEDDED_PORT", "0");
        env.put("GREGOR_ZOOKEEPER_EMBEDDED_DATA_DIR", dir.resolve("zookeeper").toString());
        env.put("GREGOR_METRICS_LISTENER", "http://127.0.0.1:0");
        return env;
    }

    @Test
    void theFatJarServesOnTheShippedConfigAndSigtermLeavesNothingToRecover() throws Exception {
        Path config = SHIPPED_CONFIG.toAbsolutePath();
        int port;
        int metricsPort = freePort();
        Map<String, String> env = loopbackEnv();
        env.put("GREGOR_METRICS_LISTENER", "http://127.0.0.1:" + metricsPort);
        try (BrokerProcess broker = launch(List.of(config.toString()), env)) {
            Matcher started = broker.await(STARTED, 60_000);
            assertNotNull(started, "no start line:\n" + broker.text());
            port = Integer.parseInt(started.group(3));
            try (KafkaProducer<String, String> producer = producer(port)) {
                for (int i = 0; i < 10; i++)
                    producer.send(new ProducerRecord<>("process", 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
            // The shaded jar keeps both Vert.x service files, or the meters silently switch off.
            String page = scrape(metricsPort);
            assertTrue(page.contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"process\"} 10.0"), page);
            assertTrue(page.contains("vertx_"), page);
            // SIGTERM through the handle: Process.destroy() would also close the pipe we read the log from.
            broker.process.toHandle().destroy();
            assertTrue(broker.process.waitFor(60, TimeUnit.SECONDS), "SIGTERM stops the broker:\n" + broker.text());
            assertEquals(143, broker.process.exitValue(), "exit status after SIGTERM, as Kafka's");
            assertNotNull(broker.await(Pattern.compile("shut down in \\d+ ms"), 1000), broker.text());
        }
        assertTrue(Files.exists(dir.resolve("kafka-logs").resolve(".kafka_cleanshutdown")));
        Properties meta = new Properties();
        try (var reader = Files.newBufferedReader(dir.resolve("kafka-logs").resolve("meta.properties"))) {
            meta.load(reader);
        }
        assertEquals("0", meta.getProperty("broker.id"));
        assertNotNull(meta.getProperty("cluster.id"));

        Map<String, String> samePort = loopbackEnv();
        samePort.put("GREGOR_LISTENERS", "PLAINTEXT://127.0.0.1:" + port);
        try (BrokerProcess again = launch(List.of(config.toString()), samePort)) {
            assertNotNull(again.await(STARTED, 60_000), again.text());
            assertNotNull(again.await(Pattern.compile("Loaded process-0 .* log end offset 10, recovery point 10"), 1000),
                "a clean shutdown leaves nothing to recover:\n" + again.text());
            assertTrue(!again.text().contains("not shut down cleanly"), again.text());
            assertEquals(10, readAll(port, "process").size());
        }
    }

    @Test
    void anInvalidValueRefusesToStartAndNamesTheKey() throws Exception {
        Map<String, String> env = loopbackEnv();
        env.put("GREGOR_NUM_NETWORK_THREADS", "0");
        try (BrokerProcess broker = launch(List.of(), env)) {
            assertTrue(broker.process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(2, broker.process.exitValue());
            assertNotNull(broker.await(Pattern.compile("num\\.network\\.threads"), 1000), broker.text());
        }
    }

    @Test
    void anUnknownKeyIsWarnedAboutAndTheBrokerStartsAnyway() throws Exception {
        Path config = dir.resolve("server.properties");
        Files.writeString(config, "broker.id=0\nno.such.setting=1\n");
        try (BrokerProcess broker = launch(List.of(config.toString()), loopbackEnv())) {
            assertNotNull(broker.await(STARTED, 60_000), broker.text());
            assertTrue(broker.text().contains("no.such.setting"), broker.text());
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String scrape(int port) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static KafkaProducer<String, String> producer(int port) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    private static List<ConsumerRecord<String, String>> readAll(int port, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < 10 && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
