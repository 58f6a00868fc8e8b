package io.gregor.storage.checkpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's text checkpoint format: a version line, an entry-count line, then one entry per line.
 * Kafka's own tools and brokers read the files we write, and we read theirs.
 */
public final class CheckpointFile<T> {

    /** Turns one entry into one line and back; {@code fromLine} returns empty for a line it cannot parse. */
    public interface EntryFormatter<T> {
        String toLine(T entry);

        Optional<T> fromLine(String line);
    }

    private static final Logger log = LoggerFactory.getLogger(CheckpointFile.class);

    private final Path path;
    private final int version;
    private final EntryFormatter<T> formatter;

    public CheckpointFile(Path path, int version, EntryFormatter<T> formatter) {
        this.path = path;
        this.version = version;
        this.formatter = formatter;
    }

    public Path path() {
        return path;
    }

    public void write(Collection<T> entries) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(version).append('\n').append(entries.size()).append('\n');
        for (T entry : entries) {
            text.append(formatter.toLine(entry)).append('\n');
        }
        writeAtomically(path, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A missing file, or an empty one, holds no entries (as in Kafka, which creates the file empty). */
    public List<T> read() throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            if (line == null) {
                return List.of();
            }
            int readVersion = parseInt(line);
            if (readVersion != version) {
                throw new IOException("Unrecognised version " + readVersion + ", expected version " + version
                        + " in checkpoint file [" + path + "]: '" + line + "'");
            }
            line = reader.readLine();
            if (line == null) {
                return List.of();
            }
            int expectedSize = parseInt(line);
            List<T> entries = new ArrayList<>();
            while ((line = reader.readLine()) != null) {
                String current = line;
                entries.add(formatter.fromLine(current).orElseThrow(() -> malformedLine(current)));
            }
            if (entries.size() != expectedSize) {
                throw new IOException("Expected [" + expectedSize + "] entries in checkpoint file [" + path
                        + "], but found [" + entries.size() + "]");
            }
            return entries;
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private int parseInt(String line) throws IOException {
        try {
            return Integer.parseInt(line);
        } catch (NumberFormatException e) {
            throw malformedLine(line);
        }
    }

    private IOException malformedLine(String line) {
        return new IOException("Malformed line in checkpoint file [" + path + "]: '" + line + "'");
    }

    /**
     * Replaces {@code target} so that a crash at any point leaves either the old or the new content:
     * the bytes reach disk before the rename, and the rename reaches disk before we return.
     */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms and file systems cannot open or sync a directory; the rename itself succeeded.
            log.debug("Could not fsync directory {}", dir, e);
        }
    }
}
