package io.gregor.storage.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFileTest {

    /** Lines that are lower-case words; anything else is malformed. */
    private static final CheckpointFile.EntryFormatter<String> WORDS = new CheckpointFile.EntryFormatter<>() {
        @Override
        public String toLine(String entry) {
            return entry;
        }

        @Override
        public Optional<String> fromLine(String line) {
            return line.matches("[a-z]+") ? Optional.of(line) : Optional.empty();
        }
    };

    @TempDir
    Path dir;

    private CheckpointFile<String> file(String name) {
        return new CheckpointFile<>(dir.resolve(name), 3, WORDS);
    }

    private CheckpointFile<String> fileContaining(String text) throws IOException {
        Files.writeString(dir.resolve("cp"), text, StandardCharsets.UTF_8);
        return file("cp");
    }

    @Test
    void writesVersionCountAndOneEntryPerLine() throws IOException {
        CheckpointFile<String> file = file("cp");
        file.write(List.of("alpha", "beta"));
        assertEquals("3\n2\nalpha\nbeta\n", Files.readString(file.path()));
        assertEquals(List.of("alpha", "beta"), file.read());
    }

    @Test
    void emptyListRoundTrips() throws IOException {
        CheckpointFile<String> file = file("cp");
        file.write(List.of());
        assertEquals("3\n0\n", Files.readString(file.path()));
        assertEquals(List.of(), file.read());
    }

    @Test
    void rewriteReplacesContentAndLeavesNoTmp() throws IOException {
        CheckpointFile<String> file = file("cp");
        file.write(List.of("old", "entries", "here"));
        file.write(List.of("new"));
        assertEquals(List.of("new"), file.read());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("cp")), files.toList());
        }
    }

    @Test
    void staleTmpFromACrashIsOverwritten() throws IOException {
        Files.writeString(dir.resolve("cp.tmp"), "garbage from an interrupted write that was longer\n");
        CheckpointFile<String> file = file("cp");
        file.write(List.of("fresh"));
        assertEquals("3\n1\nfresh\n", Files.readString(file.path()));
        assertTrue(Files.notExists(dir.resolve("cp.tmp")));
    }

    @Test
    void missingFileReadsAsEmpty() throws IOException {
        assertEquals(List.of(), file("absent").read());
    }

    @Test
    void emptyFileReadsAsEmpty() throws IOException {
        assertEquals(List.of(), fileContaining("").read());
    }

    @Test
    void wrongVersionIsRejected() throws IOException {
        assertFailsNaming(fileContaining("4\n1\nalpha\n"), "'4'");
    }

    @Test
    void nonNumericVersionIsRejected() throws IOException {
        assertFailsNaming(fileContaining("x\n1\nalpha\n"), "Malformed line", "'x'");
    }

    @Test
    void nonNumericCountIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\ntwo\nalpha\n"), "Malformed line", "'two'");
    }

    @Test
    void malformedEntryIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\n2\nalpha\nBad Line\n"), "Malformed line", "'Bad Line'");
    }

    @Test
    void blankEntryLineIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\n2\nalpha\n\nbeta\n"), "Malformed line", "''");
    }

    @Test
    void fewerEntriesThanCountedIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\n3\nalpha\nbeta\n"), "[3]", "[2]");
    }

    @Test
    void moreEntriesThanCountedIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\n1\nalpha\nbeta\n"), "[1]", "[2]");
    }

    @Test
    void entryCutMidLineIsRejected() throws IOException {
        assertFailsNaming(fileContaining("3\n2\nalpha\nbe1"), "Malformed line", "'be1'");
    }

    private void assertFailsNaming(CheckpointFile<String> file, String... fragments) {
        IOException e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().contains(file.path().toString()), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }
}
