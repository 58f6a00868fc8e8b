package io.gregor.storage.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.gregor.storage.epoch.EpochEntry;

/** A partition's leader epochs and their start offsets, in the format of Kafka's {@code leader-epoch-checkpoint}. */
public final class LeaderEpochCheckpointFile {

    public static final String FILE_NAME = "leader-epoch-checkpoint";

    private static final int VERSION = 0;

    private final CheckpointFile<EpochEntry> file;

    public LeaderEpochCheckpointFile(Path path) {
        this.file = new CheckpointFile<>(path, VERSION, new Formatter());
    }

    public static LeaderEpochCheckpointFile inPartitionDir(Path partitionDir) {
        return new LeaderEpochCheckpointFile(partitionDir.resolve(FILE_NAME));
    }

    public Path path() {
        return file.path();
    }

    public void write(List<EpochEntry> entries) throws IOException {
        file.write(entries);
    }

    public List<EpochEntry> read() throws IOException {
        return file.read();
    }

    private static final class Formatter implements CheckpointFile.EntryFormatter<EpochEntry> {
        @Override
        public String toLine(EpochEntry entry) {
            return entry.epoch() + " " + entry.startOffset();
        }

        @Override
        public Optional<EpochEntry> fromLine(String line) {
            String[] parts = line.split(" ", -1);
            if (parts.length != 2) {
                return Optional.empty();
            }
            try {
                return Optional.of(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
