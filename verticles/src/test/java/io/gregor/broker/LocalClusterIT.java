package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compose topology as processes: docker/local-cluster.sh starts a three-node ZooKeeper
 * ensemble and brokers 1..3 on loopback. When one broker of three is killed (kill -9),
 * UnderReplicatedPartitions and OfflinePartitionsCount go up, acks=all writes survive, and
 * when it returns both go back to 0 on every broker.
 */
class LocalClusterIT {
    private static final Path SCRIPT = Path.of("..", "docker", "local-cluster.sh").toAbsolutePath().normalize();
    private static final Path JAR = Path.of(System.getProperty("gregor.jar", "target/gregor.jar")).toAbsolutePath();
    // Under target/ rather than a temp dir: after a failure the brokers' logs are still there to read.
    private static final Path DIR = Path.of("target", "local-cluster-it").toAbsolutePath();
    private static final Path SCRIPT_LOG = DIR.resolveSibling("local-cluster-it-script.log");
    private static final List<Integer> BROKERS = List.of(1, 2, 3);

    private static final String UNDER_REPLICATED = "kafka_server_replicamanager_underreplicatedpartitions";
    private static final String OFFLINE = "kafka_controller_kafkacontroller_offlinepartitionscount";
    private static final String LEADERS = "kafka_server_replicamanager_leadercount";

    private static final String REPLICATED = "replicated";   // 6 partitions, RF 3
    private static final String SINGLE = "single";           // 1 partition, RF 1, on the broker killed
    private static final int PARTITIONS = 6;
    private static final int TOTAL_PARTITIONS = PARTITIONS + 1;

    // Generous: three brokers and three ZooKeeper servers share a 2-core machine.
    private static final Duration LONG = Duration.ofMinutes(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Map<String, String> ports = Map.of();

    @BeforeAll
    static void startCluster() throws Exception {
        // A run that died without its @AfterAll may have left its cluster running.
        if (Files.exists(DIR.resolve("ports.env")))
            script(Duration.ofMinutes(5), "stop");
        deleteTree(DIR);
        Files.deleteIfExists(SCRIPT_LOG);
        script(Duration.ofMinutes(6), "start");
        ports = readPorts();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        // Whatever happened, no process of this test outlives it.
        if (Files.exists(DIR.resolve("ports.env")))
            script(Duration.ofMinutes(5), "stop");
    }

    @Test
    void killingOneBrokerOfThreeRaisesUnderReplicatedAndOfflinePartitionsUntilItReturns() throws Exception {
        for (int id : BROKERS)
            await("broker " + id + " to see all three brokers", LONG,
                () -> describeCluster(bootstrap(List.of(id))), ids -> ids.equals(Set.copyOf(BROKERS)));

        int victim;
        try (Admin admin = admin(bootstrap(BROKERS))) {
            // Not the controller: the controller that counts the offline partition stays up.
            int controller = admin.describeCluster().controller().get(1, TimeUnit.MINUTES).id();
            victim = controller == 3 ? 2 : 3;
            admin.createTopics(List.of(
                new NewTopic(REPLICATED, PARTITIONS, (short) 3),
                new NewTopic(SINGLE, Map.of(0, List.of(victim))))).all().get(1, TimeUnit.MINUTES);
        }
        List<Integer> survivors = BROKERS.stream().filter(id -> id != victim).toList();

        await("every partition led, with all its replicas in sync", LONG,
            () -> describeTopics(bootstrap(BROKERS)),
            partitions -> partitions.size() == TOTAL_PARTITIONS
                && partitions.stream().allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size()));
        await("metrics without under-replicated or offline partitions", LONG, () -> gauges(BROKERS),
            g -> allZero(g, UNDER_REPLICATED) && allZero(g, OFFLINE) && sum(g, LEADERS) >= TOTAL_PARTITIONS);

        Set<String> acked = new HashSet<>(produce(bootstrap(BROKERS), "before", 600));

        script(Duration.ofMinutes(2), "kill", String.valueOf(victim));
        // The controller sees the broker go when its ZooKeeper session expires (6 s): the
        // partitions it followed shrink their ISR, and the one it alone held has no leader.
        var degraded = await("under-replicated and offline partitions after broker " + victim + " died", LONG,
            () -> gauges(survivors), g -> sum(g, UNDER_REPLICATED) > 0 && sum(g, OFFLINE) > 0);
        System.out.println("broker " + victim + " killed: " + degraded);

        // Two in-sync replicas of three still meet min.insync.replicas=2: acks=all goes on.
        acked.addAll(produce(bootstrap(survivors), "during", 300));
        Set<String> read = consumeAll(bootstrap(survivors), acked.size());
        System.out.println("acknowledged with acks=all: " + acked.size() + ", read back with broker " + victim + " down: " + read.size());
        assertEquals(Set.of(), difference(acked, read), "records acknowledged with acks=all and not read back");

        script(Duration.ofMinutes(6), "restart", String.valueOf(victim));
        var healed = await("under-replicated and offline partitions back to 0 on every broker", LONG, () -> gauges(BROKERS),
            g -> allZero(g, UNDER_REPLICATED) && allZero(g, OFFLINE) && sum(g, LEADERS) >= TOTAL_PARTITIONS);
        System.out.println("broker " + victim + " back: " + healed);
    }

    // ---- the cluster --------------------------------------------------------------------------

    /** Runs docker/local-cluster.sh COMMAND... DIR, with this build's jar and Java. */
    private static void script(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        command.add(DIR.toString());
        Files.createDirectories(SCRIPT_LOG.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(SCRIPT_LOG.toFile()));
        // The cluster is configured by the script alone, not by whatever GREGOR_* this JVM inherited.
        builder.environment().keySet().removeIf(name -> name.startsWith("GREGOR_"));
        builder.environment().put("JAR", JAR.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("local-cluster.sh " + String.join(" ", args) + " did not finish in " + timeout + diagnostics());
        }
        assertEquals(0, process.exitValue(), () -> "local-cluster.sh " + String.join(" ", args) + diagnostics());
    }

    private static Map<String, String> readPorts() throws IOException {
        return Files.readAllLines(DIR.resolve("ports.env")).stream()
            .filter(line -> line.contains("="))
            .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')), line -> line.substring(line.indexOf('=') + 1)));
    }

    private static String bootstrap(Collection<Integer> ids) {
        return ids.stream().map(id -> "127.0.0.1:" + ports.get("BROKER" + id + "_PORT")).collect(Collectors.joining(","));
    }

    /** The tail of the script's and every broker's output, for a failure message. */
    private static String diagnostics() {
        StringBuilder text = new StringBuilder();
        Stream.concat(Stream.of(SCRIPT_LOG), BROKERS.stream().map(id -> DIR.resolve("broker" + id + ".log"))).forEach(file -> {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                text.append("\n--- ").append(file).append('\n')
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())));
            } catch (IOException e) {
                text.append("\n--- ").append(file).append(": ").append(e);
            }
        });
        return text.toString();
    }

    // ---- Kafka clients ------------------------------------------------------------------------

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private static Set<Integer> describeCluster(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
        }
    }

    private static List<TopicPartitionInfo> describeTopics(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeTopics(List.of(REPLICATED, SINGLE)).allTopicNames().get(20, TimeUnit.SECONDS)
                .values().stream().map(TopicDescription::partitions).flatMap(List::stream).toList();
        }
    }

    /** Sends {@code count} records to every partition of REPLICATED with acks=all; returns the values acknowledged. */
    private static List<String> produce(String bootstrap, String prefix, int count) throws Exception {
        Map<String, Object> props = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        List<String> values = IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++)
                sent.add(producer.send(new ProducerRecord<>(REPLICATED, i % PARTITIONS, null, values.get(i))));
            for (Future<RecordMetadata> ack : sent)
                ack.get(3, TimeUnit.MINUTES);
        }
        return values;
    }

    /** Reads REPLICATED from the beginning until {@code expected} distinct values arrived, or for LONG. */
    private static Set<String> consumeAll(String bootstrap, int expected) {
        Map<String, Object> props = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Set<String> values = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(REPLICATED, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + LONG.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline)
                consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
        }
        return values;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> missing = new TreeSet<>(a);
        missing.removeAll(b);
        return missing;
    }

    // ---- metrics ------------------------------------------------------------------------------

    /** Broker id -> gauge name -> value, from each broker's /metrics; fails if one does not answer. */
    private static Map<Integer, Map<String, Double>> gauges(Collection<Integer> ids) throws Exception {
        Map<Integer, Map<String, Double>> all = new TreeMap<>();
        for (int id : ids) {
            URI uri = URI.create("http://127.0.0.1:" + ports.get("BROKER" + id + "_METRICS_PORT") + "/metrics");
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200)
                throw new IOException(uri + " answered " + response.statusCode());
            Map<String, Double> values = new TreeMap<>();
            for (String line : response.body().split("\n"))
                for (String name : List.of(UNDER_REPLICATED, OFFLINE, LEADERS))
                    if (line.startsWith(name + " ") || line.startsWith(name + "{"))
                        values.merge(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            all.put(id, values);
        }
        return all;
    }

    /** The cluster's value: as in Kafka, the controller gauges are 0 on every broker but the controller. */
    private static double sum(Map<Integer, Map<String, Double>> gauges, String name) {
        return gauges.values().stream().mapToDouble(g -> g.getOrDefault(name, 0.0)).sum();
    }

    /** Every broker reports {@code name}, and it is 0 everywhere. */
    private static boolean allZero(Map<Integer, Map<String, Double>> gauges, String name) {
        return gauges.values().stream().allMatch(g -> g.containsKey(name) && g.get(name) == 0.0);
    }

    // ---- polling ------------------------------------------------------------------------------

    /** Polls {@code probe} until {@code done} accepts its value; fails with the last value or error seen. */
    private static <T> T await(String what, Duration timeout, Callable<T> probe, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (true) {
            try {
                T value = probe.call();
                if (done.test(value))
                    return value;
                last = value;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + last + diagnostics());
            Thread.sleep(500);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root))
            return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList())
                Files.delete(path);
        }
    }
}
