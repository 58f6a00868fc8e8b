package io.gregor.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexTest {
    @TempDir
    Path dir;

    @Test
    void offsetIndexLookupFindsTheLargestEntryNotAboveTheTarget() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("00000000000000000100.index"), 100, 1024, true);
        assertEquals(0, index.lookup(150), "an empty index starts scans at the segment start");
        for (int i = 0; i < 10; i++)
            index.append(100 + i * 10 + 9, i * 1000);
        assertEquals(0, index.lookup(105));
        assertEquals(0, index.lookup(109));
        assertEquals(1000, index.lookup(119));
        assertEquals(9000, index.lookup(10_000));
        assertThrows(IllegalArgumentException.class, () -> index.append(150, 99_999), "offsets must rise");
        index.truncateTo(130);
        assertEquals(3, index.entries(), "entries at or above 130 go: 109, 119, 129 stay");
        index.close();
        assertEquals(3 * OffsetIndex.ENTRY_SIZE, Files.size(index.path()), "close trims to the entries");
    }

    @Test
    void anOffsetIndexReopensReadOnlyWithItsEntriesAndIsBigEndianLikeKafka() throws Exception {
        Path path = dir.resolve("00000000000000000000.index");
        OffsetIndex index = new OffsetIndex(path, 0, 1024, true);
        index.append(7, 4096);
        index.close();
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(path));
        assertEquals(7, raw.getInt(0));
        assertEquals(4096, raw.getInt(4));
        OffsetIndex reopened = new OffsetIndex(path, 0, 1024, false);
        assertEquals(1, reopened.entries());
        assertEquals(4096, reopened.lookup(100));
        reopened.sanityCheck();
        reopened.close();
    }

    @Test
    void aFullOffsetIndexRefusesMoreEntries() throws IOException {
        OffsetIndex index = new OffsetIndex(dir.resolve("00000000000000000000.index"), 0, 24, true);
        index.append(1, 10);
        index.append(2, 20);
        index.append(3, 30);
        assertTrue(index.isFull());
        assertThrows(IllegalStateException.class, () -> index.append(4, 40));
        index.close();
    }

    @Test
    void timeIndexKeepsOnlyRisingTimestampsAndKeepsASlotForTheRollEntry() throws Exception {
        TimeIndex index = new TimeIndex(dir.resolve("00000000000000000000.timeindex"), 0, 12 * 4, true);
        index.maybeAppend(1000, 9);
        index.maybeAppend(1000, 19);
        index.maybeAppend(900, 29);
        assertEquals(1, index.entries(), "a timestamp that does not rise adds no entry");
        index.maybeAppend(2000, 39);
        index.maybeAppend(3000, 49);
        assertTrue(index.isFull(), "one of four slots stays free for the entry written on roll");
        assertEquals(0, index.lookup(999), "before every entry: the segment's base offset");
        assertEquals(9, index.lookup(1000));
        assertEquals(39, index.lookup(2999));
        index.truncateTo(40);
        assertEquals(2, index.entries());
        assertEquals(2000, index.lastTimestamp());
        index.sanityCheck();
        index.close();
    }

    @Test
    void anIndexWhoseLengthIsNotAWholeNumberOfEntriesFailsTheSanityCheck() throws IOException {
        Path path = dir.resolve("00000000000000000000.index");
        OffsetIndex index = new OffsetIndex(path, 0, 1024, true);
        index.append(5, 100);
        index.close();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        OffsetIndex damaged = new OffsetIndex(path, 0, 1024, false);
        assertThrows(CorruptIndexException.class, damaged::sanityCheck);
        damaged.close();
    }
}
