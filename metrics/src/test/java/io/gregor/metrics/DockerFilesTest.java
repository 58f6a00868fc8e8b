package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Static checks of docker/ (no Docker engine here): the compose file parses and its services
 * agree with each other (ZooKeeper ids and server list, distinct broker ids, ports and volumes,
 * Prometheus targets, Grafana provisioning), the Dockerfile has what operations rely on, and
 * every meter the dashboard and the alerts query is one the broker exports.
 * (Each GREGOR_* variable naming a real config key is checked by verticles' ComposeEnvTest.)
 */
class DockerFilesTest {
    private static final Path ROOT = Path.of("..");
    private static final Path DOCKER = ROOT.resolve("docker");
    private static Map<String, Object> compose;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        compose = new Yaml().load(Files.readString(DOCKER.resolve("docker-compose.yml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(String service) {
        Object env = services.get(service).get("environment");
        assertTrue(env instanceof Map, service + ": environment as a map");
        Map<String, String> out = new java.util.TreeMap<>();
        ((Map<String, Object>) env).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(String service, String key) {
        Object value = services.get(service).get(key);
        return value == null ? List.of() : ((List<Object>) value).stream().map(String::valueOf).toList();
    }

    private static List<String> brokers() {
        return services.keySet().stream().filter(s -> s.startsWith("gregor-")).sorted().toList();
    }

    private static List<String> zookeepers() {
        return services.keySet().stream().filter(s -> s.matches("zk\\d+")).sorted().toList();
    }

    @Test
    void zookeeperEnsembleOfThree() throws IOException {
        assertEquals(List.of("zk1", "zk2", "zk3"), zookeepers());
        String zooCfg = Files.readString(DOCKER.resolve("zookeeper/zoo.cfg"));
        Set<String> ids = new HashSet<>();
        for (String zk : zookeepers()) {
            String id = env(zk).get("ZOO_MY_ID");
            assertNotNull(id, zk + " has a myid");
            assertTrue(ids.add(id), "distinct myid");
            assertTrue(zooCfg.contains("\nserver." + id + "=" + zk + ":2888:3888"), "zoo.cfg lists server." + id + "=" + zk);
            assertTrue(list(zk, "volumes").contains("./zookeeper/zoo.cfg:/conf/zoo.cfg:ro"), zk + " mounts zoo.cfg");
            assertTrue(list(zk, "volumes").stream().anyMatch(v -> v.endsWith(":/data")), zk + " keeps /data in a volume");
            assertEquals(zk, services.get(zk).get("hostname"));
        }
        Matcher servers = Pattern.compile("(?m)^server\\.(\\d+)=").matcher(zooCfg);
        int count = 0;
        while (servers.find())
            count++;
        assertEquals(3, count, "three servers in zoo.cfg");
        assertTrue(zooCfg.contains("4lw.commands.whitelist=srvr"), "zkServer.sh status (the health check) needs srvr");
    }

    @Test
    void threeBrokersWithDistinctIdsPortsAndVolumes() {
        assertEquals(List.of("gregor-1", "gregor-2", "gregor-3"), brokers());
        Set<String> ids = new HashSet<>();
        Set<String> listenerPorts = new HashSet<>();
        Set<String> published = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        String zkConnect = null;
        for (String broker : brokers()) {
            Map<String, String> env = env(broker);
            assertTrue(ids.add(env.get("GREGOR_BROKER_ID")), "distinct broker.id");
            Matcher listener = Pattern.compile("PLAINTEXT://0\\.0\\.0\\.0:(\\d+)").matcher(env.get("GREGOR_LISTENERS"));
            assertTrue(listener.matches(), env.get("GREGOR_LISTENERS"));
            String port = listener.group(1);
            assertTrue(listenerPorts.add(port), "distinct listener ports");
            assertEquals("PLAINTEXT://" + broker + ":" + port, env.get("GREGOR_ADVERTISED_LISTENERS"),
                "clients are sent back to the service name and its port");
            assertTrue(env.get("GREGOR_CLUSTER_LISTENER").startsWith(broker + ":"), "event bus on the service's address");
            assertEquals("http://0.0.0.0:9404", env.get("GREGOR_METRICS_LISTENER"));
            for (String mapping : list(broker, "ports"))
                assertTrue(published.add(mapping.split(":")[0]), "distinct published port " + mapping);
            assertTrue(list(broker, "ports").contains(port + ":" + port), "listener port published as is");
            List<String> brokerVolumes = list(broker, "volumes");
            assertEquals(1, brokerVolumes.size());
            assertTrue(brokerVolumes.get(0).endsWith(":/var/lib/gregor"), "data volume");
            assertTrue(volumes.add(brokerVolumes.get(0).split(":")[0]), "distinct volumes");
            assertTrue(((Map<?, ?>) compose.get("volumes")).containsKey(brokerVolumes.get(0).split(":")[0]));
            if (zkConnect == null)
                zkConnect = env.get("GREGOR_ZOOKEEPER_CONNECT");
            assertEquals(zkConnect, env.get("GREGOR_ZOOKEEPER_CONNECT"), "one ensemble and chroot");
            Object dependsOn = services.get(broker).get("depends_on");
            for (String zk : zookeepers())
                assertTrue(((Map<?, ?>) dependsOn).containsKey(zk), broker + " waits for " + zk);
            assertNotNull(services.get(broker).get("stop_grace_period"), "time for the controlled shutdown");
        }
        assertEquals("zk1:2181,zk2:2181,zk3:2181/gregor", zkConnect);
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryBroker() throws IOException {
        Map<String, Object> config = new Yaml().load(Files.readString(DOCKER.resolve("prometheus/prometheus.yml")));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) config.get("scrape_configs");
        Map<String, Object> gregor = jobs.stream().filter(j -> "gregor".equals(j.get("job_name"))).findFirst().orElseThrow();
        assertEquals(MetricsServer.PATH, gregor.getOrDefault("metrics_path", "/metrics"));
        Set<String> targets = new TreeSet<>();
        for (Map<String, Object> sc : (List<Map<String, Object>>) gregor.get("static_configs"))
            targets.addAll((List<String>) sc.get("targets"));
        Set<String> expected = new TreeSet<>();
        brokers().forEach(b -> expected.add(b + ":9404"));
        assertEquals(expected, targets);
        for (String rules : (List<String>) config.get("rule_files"))
            assertTrue(Files.exists(DOCKER.resolve("prometheus").resolve(Path.of(rules).getFileName())), rules);
        assertTrue(list("prometheus", "volumes").contains("./prometheus:/etc/prometheus:ro"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaIsProvisionedWithTheDashboard() throws IOException {
        Map<String, Object> datasources = new Yaml().load(Files.readString(
            DOCKER.resolve("grafana/provisioning/datasources/prometheus.yml")));
        Map<String, Object> ds = ((List<Map<String, Object>>) datasources.get("datasources")).get(0);
        assertEquals("http://prometheus:9090", ds.get("url"));
        Map<String, Object> providers = new Yaml().load(Files.readString(
            DOCKER.resolve("grafana/provisioning/dashboards/gregor.yml")));
        String path = (String) ((Map<String, Object>) ((List<Map<String, Object>>) providers.get("providers")).get(0)
            .get("options")).get("path");
        assertTrue(list("grafana", "volumes").contains("./grafana/dashboards:" + path + ":ro"), "dashboards mounted at " + path);
        assertEquals(path + "/gregor.json", env("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));

        JsonObject dashboard = new JsonObject(Files.readString(DOCKER.resolve("grafana/dashboards/gregor.json")));
        assertEquals(ds.get("uid"), dashboard.getJsonObject("templating").getJsonArray("list").stream()
            .map(JsonObject.class::cast).filter(v -> v.getString("name").equals("datasource")).findFirst().orElseThrow()
            .getJsonObject("current").getString("value"), "the datasource variable defaults to the provisioned one");
        Set<String> titles = new HashSet<>();
        for (String expr : expressions(dashboard))
            assertFalse(expr.isBlank());
        dashboard.getJsonArray("panels").forEach(p -> titles.add(((JsonObject) p).getString("title")));
        for (String needed : List.of("Messages in / s by topic", "Bytes in / out by broker", "Produce total time",
            "Under-replicated partitions", "Offline partitions", "Consumer group lag"))
            assertTrue(titles.contains(needed), needed);
    }

    private static List<String> expressions(JsonObject dashboard) {
        List<String> exprs = new ArrayList<>();
        for (Object p : dashboard.getJsonArray("panels")) {
            JsonArray targets = ((JsonObject) p).getJsonArray("targets");
            if (targets != null)
                targets.forEach(t -> exprs.add(((JsonObject) t).getString("expr")));
        }
        for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
            Object query = ((JsonObject) v).getValue("query");
            if (query instanceof JsonObject q)
                exprs.add(q.getString("query"));
        }
        return exprs;
    }

    /** Every meter the dashboard and the alert rules use is on a broker's page. */
    @Test
    void dashboardAndAlertsUseExportedMeters() throws Exception {
        Set<String> used = new TreeSet<>();
        Pattern meter = Pattern.compile("\\b((?:kafka|vertx|jvm|process|system)_[a-z0-9_]+)");
        List<String> sources = new ArrayList<>(expressions(new JsonObject(Files.readString(
            DOCKER.resolve("grafana/dashboards/gregor.json")))));
        sources.add(Files.readString(DOCKER.resolve("prometheus/alerts.yml")));
        for (String source : sources) {
            Matcher m = meter.matcher(source);
            while (m.find())
                used.add(m.group(1));
        }
        assertTrue(used.size() > 20, "found " + used);

        Set<String> exported = exportedSampleNames();
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "queried but not exported");
    }

    /** A broker's page with everything registered and Vert.x's listener, event bus and pools in use. */
    private static Set<String> exportedSampleNames() throws Exception {
        BrokerMetrics metrics = BrokerMetrics.create();
        Vertx vertx = GregorMetricsOptions.builder(new VertxOptions(), metrics.registry(), "gregor-docker-test").build();
        try {
            EveryMeter.touch(metrics);
            io.vertx.core.net.NetServer server = VertxMetricsTest.await(
                vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1"));
            VertxMetricsTest.await(vertx.createNetClient().connect(server.actualPort(), "127.0.0.1"));
            vertx.eventBus().localConsumer("gregor.log.shard.0", m -> m.reply("x"));
            VertxMetricsTest.await(vertx.eventBus().request("gregor.log.shard.0", "x"));
            System.gc(); // jvm_gc_pause_seconds appears with the first collection
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Set<String> names;
            do {
                names = PrometheusText.parse(metrics.scrape()).sampleNames();
                if (names.contains("jvm_gc_pause_seconds_sum") && names.contains("vertx_net_server_active_connections"))
                    break;
                Thread.sleep(50);
            } while (System.nanoTime() < deadline);
            return names;
        } finally {
            VertxMetricsTest.await(vertx.close());
            metrics.close();
        }
    }

    @Test
    void dockerfileBuildsANonRootImageWithHealthCheck() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        List<String> instructions = dockerfile.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals(2, instructions.stream().filter(l -> l.startsWith("FROM ")).count(), "multi-stage");
        assertTrue(instructions.contains("EXPOSE 9092 9404"));
        assertTrue(instructions.stream().anyMatch(l -> l.startsWith("USER gregor")), "non-root");
        assertTrue(instructions.stream().anyMatch(l -> l.startsWith("VOLUME")), "data volume");
        assertTrue(instructions.stream().anyMatch(l -> l.startsWith("HEALTHCHECK ")), "health check");
        assertTrue(instructions.contains("STOPSIGNAL SIGTERM"));
        assertTrue(instructions.stream().anyMatch(l -> l.startsWith("ENTRYPOINT [")), "exec-form entrypoint: java is PID 1");
        // Every file copied from the build context exists and is not ignored.
        String ignore = Files.readString(DOCKER.resolve("Dockerfile.dockerignore"));
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(.+) \\S+$").matcher(dockerfile);
        int copies = 0;
        while (copy.find()) {
            for (String source : copy.group(1).trim().split("\\s+")) {
                if (source.equals("."))
                    continue;
                copies++;
                assertTrue(Files.exists(ROOT.resolve(source)), source + " exists");
                if (source.startsWith("docker/"))
                    assertTrue(ignore.contains("!" + source), source + " is re-included in Dockerfile.dockerignore");
            }
        }
        assertEquals(4, copies);
        for (String script : List.of("entrypoint.sh", "healthcheck.sh")) {
            String text = Files.readString(DOCKER.resolve(script));
            assertTrue(text.startsWith("#!/usr/bin/env bash\n"), script);
        }
        assertTrue(Files.readString(DOCKER.resolve("entrypoint.sh")).contains("exec java"), "exec: signals reach the JVM");
    }
}
