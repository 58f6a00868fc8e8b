package io.gregor.storage.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import scala.jdk.javaapi.CollectionConverters;

class OffsetCheckpointFileTest {

    @TempDir
    Path dir;

    @Test
    void writesKafkaFormat() throws IOException {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT_FILE));
        file.write(Map.of(new TopicPartition("t", 0), 5L, new TopicPartition("t", 1), 7L));

        List<String> lines = Files.readAllLines(file.path());
        assertEquals(List.of("0", "2"), lines.subList(0, 2));
        assertEquals(Set.of("t 0 5", "t 1 7"), Set.copyOf(lines.subList(2, lines.size())));
        assertTrue(Files.readString(file.path()).endsWith("\n"));
    }

    @Test
    void roundTrips() throws IOException {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET_FILE));
        Map<TopicPartition, Long> offsets = Map.of(
                new TopicPartition("orders", 0), 0L,
                new TopicPartition("__consumer_offsets", 49), Long.MAX_VALUE,
                new TopicPartition("a.b-c_d", 3), 12345678901L);
        file.write(offsets);
        assertEquals(offsets, file.read());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file.path()), files.toList());
        }
    }

    @Test
    void missingFileReadsAsEmpty() throws IOException {
        assertEquals(Map.of(), new OffsetCheckpointFile(dir.resolve("nothing")).read());
    }

    @Test
    void lineWithMissingOffsetIsRejected() throws IOException {
        Path path = dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET_FILE);
        Files.writeString(path, "0\n2\nt 0 5\nt 1\n");
        IOException e = assertThrows(IOException.class, () -> new OffsetCheckpointFile(path).read());
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'t 1'"), e.getMessage());
    }

    @Test
    void nonNumericPartitionIsRejected() throws IOException {
        Path path = dir.resolve("cp");
        Files.writeString(path, "0\n1\nt x 5\n");
        IOException e = assertThrows(IOException.class, () -> new OffsetCheckpointFile(path).read());
        assertTrue(e.getMessage().contains("'t x 5'"), e.getMessage());
    }

    @Test
    void fileTruncatedBetweenEntriesIsRejected() throws IOException {
        Path path = dir.resolve("cp");
        Files.writeString(path, "0\n3\nt 0 5\nt 1 7\n");
        IOException e = assertThrows(IOException.class, () -> new OffsetCheckpointFile(path).read());
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
    }

    @Test
    void topicWithWhitespaceIsNotWritten() {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve("cp"));
        assertThrows(IllegalArgumentException.class, () -> file.write(Map.of(new TopicPartition("a b", 0), 1L)));
        assertTrue(Files.notExists(file.path()));
    }

    @Test
    void kafkaReadsWhatWeWrite() throws IOException {
        OffsetCheckpointFile ours = new OffsetCheckpointFile(dir.resolve("cp"));
        Map<TopicPartition, Long> offsets = Map.of(new TopicPartition("t", 0), 5L, new TopicPartition("u", 9), 70L);
        ours.write(offsets);

        kafka.server.checkpoints.OffsetCheckpointFile kafka =
                new kafka.server.checkpoints.OffsetCheckpointFile(ours.path().toFile(), new LogDirFailureChannel(1));
        Map<TopicPartition, Object> read = CollectionConverters.asJava(kafka.read());
        assertEquals(Map.<TopicPartition, Object>copyOf(offsets), read);
    }

    @Test
    void weReadWhatKafkaWrites() throws IOException {
        Path path = dir.resolve("cp");
        Map<TopicPartition, Object> offsets = new HashMap<>();
        offsets.put(new TopicPartition("t", 0), 5L);
        offsets.put(new TopicPartition("u", 9), 70L);
        new kafka.server.checkpoints.OffsetCheckpointFile(path.toFile(), new LogDirFailureChannel(1))
                .write(CollectionConverters.asScala(offsets));

        assertEquals(Map.of(new TopicPartition("t", 0), 5L, new TopicPartition("u", 9), 70L),
                new OffsetCheckpointFile(path).read());
    }
}
