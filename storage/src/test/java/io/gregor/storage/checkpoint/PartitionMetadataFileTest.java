package io.gregor.storage.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionMetadataFileTest {

    @TempDir
    Path dir;

    @Test
    void writesKafkaFormatAndRoundTrips() throws IOException {
        Uuid id = Uuid.randomUuid();
        PartitionMetadataFile file = PartitionMetadataFile.inPartitionDir(dir);
        file.write(id);
        assertEquals(dir.resolve("partition.metadata"), file.path());
        assertEquals("version: 0\ntopic_id: " + id + "\n", Files.readString(file.path()));
        assertEquals(Optional.of(id), file.read());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file.path()), files.toList());
        }
    }

    @Test
    void missingFileReadsAsEmpty() throws IOException {
        assertEquals(Optional.empty(), PartitionMetadataFile.inPartitionDir(dir).read());
    }

    @Test
    void zeroTopicIdIsNotWritten() {
        PartitionMetadataFile file = PartitionMetadataFile.inPartitionDir(dir);
        assertThrows(IllegalArgumentException.class, () -> file.write(Uuid.ZERO_UUID));
        assertTrue(Files.notExists(file.path()));
    }

    @Test
    void malformedFilesAreRejectedNamingTheFile() throws IOException {
        String valid = Uuid.randomUuid().toString();
        List<String> broken = List.of(
                "",
                "version: 0\n",
                "version: x\ntopic_id: " + valid + "\n",
                "version 0\ntopic_id: " + valid + "\n",
                "version: 1\ntopic_id: " + valid + "\n",
                "version: 0\ntopic: " + valid + "\n",
                "version: 0\ntopic_id: not-a-uuid\n",
                "version: 0\ntopic_id: " + Uuid.ZERO_UUID + "\n");
        PartitionMetadataFile file = PartitionMetadataFile.inPartitionDir(dir);
        for (String text : broken) {
            Files.writeString(file.path(), text);
            IOException e = assertThrows(IOException.class, file::read, text);
            assertTrue(e.getMessage().contains(file.path().toString()), e.getMessage());
        }
    }

    @Test
    void kafkaReadsWhatWeWrite() throws IOException {
        Uuid id = Uuid.randomUuid();
        PartitionMetadataFile ours = PartitionMetadataFile.inPartitionDir(dir);
        ours.write(id);
        var kafka = new org.apache.kafka.storage.internals.checkpoint.PartitionMetadataFile(
                ours.path().toFile(), new LogDirFailureChannel(1));
        assertEquals(id, kafka.read().topicId());
        assertEquals(0, kafka.read().version());
    }

    @Test
    void weReadWhatKafkaWrites() throws IOException {
        Uuid id = Uuid.randomUuid();
        PartitionMetadataFile ours = PartitionMetadataFile.inPartitionDir(dir);
        var kafka = new org.apache.kafka.storage.internals.checkpoint.PartitionMetadataFile(
                ours.path().toFile(), new LogDirFailureChannel(1));
        kafka.record(id);
        kafka.maybeFlush();
        assertEquals(Optional.of(id), ours.read());
    }
}
