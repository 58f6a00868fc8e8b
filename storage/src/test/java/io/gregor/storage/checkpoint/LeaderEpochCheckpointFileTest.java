package io.gregor.storage.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.gregor.storage.epoch.EpochEntry;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochCheckpointFileTest {

    @TempDir
    Path dir;

    @Test
    void writesKafkaFormatInThePartitionDir() throws IOException {
        LeaderEpochCheckpointFile file = LeaderEpochCheckpointFile.inPartitionDir(dir);
        file.write(List.of(new EpochEntry(2, 10), new EpochEntry(4, 20)));
        assertEquals(dir.resolve("leader-epoch-checkpoint"), file.path());
        assertEquals("0\n2\n2 10\n4 20\n", Files.readString(file.path()));
        assertEquals(List.of(new EpochEntry(2, 10), new EpochEntry(4, 20)), file.read());
        assertTrue(Files.notExists(dir.resolve("leader-epoch-checkpoint.tmp")));
    }

    @Test
    void missingFileReadsAsEmpty() throws IOException {
        assertEquals(List.of(), LeaderEpochCheckpointFile.inPartitionDir(dir).read());
    }

    @Test
    void malformedLineIsRejected() throws IOException {
        LeaderEpochCheckpointFile file = LeaderEpochCheckpointFile.inPartitionDir(dir);
        Files.writeString(file.path(), "0\n2\n2 10\n4 20 7\n");
        IOException e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().contains(file.path().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'4 20 7'"), e.getMessage());
    }

    @Test
    void kafkaReadsWhatWeWrite() throws IOException {
        LeaderEpochCheckpointFile ours = LeaderEpochCheckpointFile.inPartitionDir(dir);
        ours.write(List.of(new EpochEntry(0, 0), new EpochEntry(3, 1500)));
        var kafka = new org.apache.kafka.storage.internals.checkpoint.LeaderEpochCheckpointFile(
                ours.path().toFile(), new LogDirFailureChannel(1));
        assertEquals(List.of(new org.apache.kafka.storage.internals.log.EpochEntry(0, 0),
                new org.apache.kafka.storage.internals.log.EpochEntry(3, 1500)), kafka.read());
    }

    @Test
    void weReadWhatKafkaWrites() throws IOException {
        LeaderEpochCheckpointFile ours = LeaderEpochCheckpointFile.inPartitionDir(dir);
        var kafka = new org.apache.kafka.storage.internals.checkpoint.LeaderEpochCheckpointFile(
                ours.path().toFile(), new LogDirFailureChannel(1));
        kafka.write(List.of(new org.apache.kafka.storage.internals.log.EpochEntry(1, 7),
                new org.apache.kafka.storage.internals.log.EpochEntry(5, 90)));
        assertEquals(List.of(new EpochEntry(1, 7), new EpochEntry(5, 90)), ours.read());
    }
}
