package io.gregor.broker;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.errors.InconsistentClusterIdException;

/**
 * {@code meta.properties} in every log dir, as Kafka's ZooKeeper mode writes it (version 0,
 * broker.id, cluster.id). A dir that belongs to another cluster or broker refuses to start,
 * instead of mixing two clusters' data.
 */
final class BrokerMetaProperties {
    static final String FILE_NAME = "meta.properties";

    private BrokerMetaProperties() {
    }

    /** The broker id recorded in any of the dirs, or -1. */
    static int recordedBrokerId(List<Path> logDirs) throws IOException {
        for (Path dir : logDirs) {
            Properties props = read(dir);
            if (props != null && props.getProperty("broker.id") != null)
                return Integer.parseInt(props.getProperty("broker.id").trim());
        }
        return -1;
    }

    static void checkAndWrite(List<Path> logDirs, int brokerId, String clusterId) throws IOException {
        for (Path dir : logDirs) {
            Properties props = read(dir);
            if (props != null) {
                String recordedCluster = props.getProperty("cluster.id");
                if (recordedCluster != null && !recordedCluster.equals(clusterId))
                    throw new InconsistentClusterIdException("The Cluster ID " + clusterId + " doesn't match stored "
                        + "clusterId " + recordedCluster + " in meta.properties of " + dir + ". The broker is trying to "
                        + "join the wrong cluster. Configured zookeeper.connect may be wrong.");
                String recordedBroker = props.getProperty("broker.id");
                if (recordedBroker != null && Integer.parseInt(recordedBroker.trim()) != brokerId)
                    throw new IllegalStateException("Configured broker.id " + brokerId + " doesn't match stored broker.id "
                        + recordedBroker.trim() + " in meta.properties of " + dir);
            }
            Files.createDirectories(dir);
            Path file = dir.resolve(FILE_NAME);
            Path tmp = dir.resolve(FILE_NAME + ".tmp");
            Properties out = new Properties();
            out.setProperty("version", "0");
            out.setProperty("broker.id", Integer.toString(brokerId));
            out.setProperty("cluster.id", clusterId);
            try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                out.store(writer, null);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static Properties read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file))
            return null;
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        return props;
    }
}
