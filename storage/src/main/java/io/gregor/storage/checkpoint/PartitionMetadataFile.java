package io.gregor.storage.checkpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.kafka.common.Uuid;

/** A partition's topic id, in the format of Kafka's {@code partition.metadata}. */
public final class PartitionMetadataFile {

    public static final String FILE_NAME = "partition.metadata";

    private static final int VERSION = 0;
    private static final String VERSION_PREFIX = "version: ";
    private static final String TOPIC_ID_PREFIX = "topic_id: ";

    private final Path path;

    public PartitionMetadataFile(Path path) {
        this.path = path;
    }

    public static PartitionMetadataFile inPartitionDir(Path partitionDir) {
        return new PartitionMetadataFile(partitionDir.resolve(FILE_NAME));
    }

    public Path path() {
        return path;
    }

    public void write(Uuid topicId) throws IOException {
        // Kafka refuses to load a zero topic id, so writing one would make the partition unloadable.
        if (Uuid.ZERO_UUID.equals(topicId)) {
            throw new IllegalArgumentException("Cannot record the zero topic id in " + path);
        }
        String text = VERSION_PREFIX + VERSION + '\n' + TOPIC_ID_PREFIX + topicId + '\n';
        CheckpointFile.writeAtomically(path, text.getBytes(StandardCharsets.UTF_8));
    }

    public Optional<Uuid> read() throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String versionLine = reader.readLine();
            int version = parseInt(valueAfter(VERSION_PREFIX, versionLine), versionLine);
            if (version != VERSION) {
                throw new IOException("Unrecognized version " + version + " of partition metadata file [" + path + "]");
            }
            String topicIdLine = reader.readLine();
            Uuid topicId = parseUuid(valueAfter(TOPIC_ID_PREFIX, topicIdLine), topicIdLine);
            if (Uuid.ZERO_UUID.equals(topicId)) {
                throw new IOException("Invalid topic id in partition metadata file [" + path + "]: '"
                        + topicIdLine + "'");
            }
            return Optional.of(topicId);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private String valueAfter(String prefix, String line) throws IOException {
        if (line == null || !line.startsWith(prefix)) {
            throw malformedLine(line);
        }
        return line.substring(prefix.length());
    }

    private int parseInt(String value, String line) throws IOException {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw malformedLine(line);
        }
    }

    private Uuid parseUuid(String value, String line) throws IOException {
        try {
            return Uuid.fromString(value);
        } catch (IllegalArgumentException e) {
            throw malformedLine(line);
        }
    }

    private IOException malformedLine(String line) {
        String shown = line == null ? "<end of file>" : "'" + line + "'";
        return new IOException("Malformed line in partition metadata file [" + path + "]: " + shown);
    }
}
