package io.gregor.storage.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;

/** An offset per partition, in the format of Kafka's per-log-dir offset checkpoints. */
public final class OffsetCheckpointFile {

    public static final String RECOVERY_POINT_FILE = "recovery-point-offset-checkpoint";
    public static final String LOG_START_OFFSET_FILE = "log-start-offset-checkpoint";
    public static final String REPLICATION_OFFSET_FILE = "replication-offset-checkpoint";

    private static final int VERSION = 0;

    private final CheckpointFile<Map.Entry<TopicPartition, Long>> file;

    public OffsetCheckpointFile(Path path) {
        this.file = new CheckpointFile<>(path, VERSION, new Formatter());
    }

    public Path path() {
        return file.path();
    }

    public void write(Map<TopicPartition, Long> offsets) throws IOException {
        file.write(offsets.entrySet());
    }

    public Map<TopicPartition, Long> read() throws IOException {
        List<Map.Entry<TopicPartition, Long>> entries = file.read();
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : entries) {
            offsets.put(entry.getKey(), entry.getValue());
        }
        return offsets;
    }

    private static final class Formatter implements CheckpointFile.EntryFormatter<Map.Entry<TopicPartition, Long>> {
        @Override
        public String toLine(Map.Entry<TopicPartition, Long> entry) {
            String topic = entry.getKey().topic();
            // Legal topic names never contain whitespace; one that did would make the file unreadable.
            if (topic.isEmpty() || topic.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("Topic cannot be written to an offset checkpoint: '" + topic + "'");
            }
            return topic + ' ' + entry.getKey().partition() + ' ' + entry.getValue();
        }

        @Override
        public Optional<Map.Entry<TopicPartition, Long>> fromLine(String line) {
            String[] parts = line.split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty()) {
                return Optional.empty();
            }
            try {
                TopicPartition partition = new TopicPartition(parts[0], Integer.parseInt(parts[1]));
                return Optional.of(Map.entry(partition, Long.parseLong(parts[2])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
