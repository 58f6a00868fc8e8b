package io.gregor.storage.epoch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import io.gregor.storage.checkpoint.LeaderEpochCheckpointFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochFileCacheTest {

    private static final long LOG_END = 100;

    @TempDir
    Path dir;

    private LeaderEpochCheckpointFile checkpoint() {
        return LeaderEpochCheckpointFile.inPartitionDir(dir);
    }

    private LeaderEpochFileCache cacheWith(long... epochAndOffsetPairs) throws IOException {
        LeaderEpochFileCache cache = new LeaderEpochFileCache(checkpoint());
        for (int i = 0; i < epochAndOffsetPairs.length; i += 2) {
            cache.assign((int) epochAndOffsetPairs[i], epochAndOffsetPairs[i + 1]);
        }
        return cache;
    }

    private static List<EpochEntry> entries(long... epochAndOffsetPairs) {
        EpochEntry[] entries = new EpochEntry[epochAndOffsetPairs.length / 2];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new EpochEntry((int) epochAndOffsetPairs[2 * i], epochAndOffsetPairs[2 * i + 1]);
        }
        return List.of(entries);
    }

    /** What the cache holds is what is on disk, and what a fresh cache loads back. */
    private void assertEntries(LeaderEpochFileCache cache, List<EpochEntry> expected) throws IOException {
        assertEquals(expected, cache.entries());
        assertEquals(expected, checkpoint().read());
        assertEquals(expected, new LeaderEpochFileCache(checkpoint()).entries());
    }

    @Test
    void emptyCacheKnowsNothing() throws IOException {
        LeaderEpochFileCache cache = cacheWith();
        assertEquals(OptionalInt.empty(), cache.latestEpoch());
        assertEquals(OptionalInt.empty(), cache.epochForOffset(0));
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(0, LOG_END));
        assertEquals(List.of(), cache.entries());
    }

    @Test
    void assignAppendsAndWritesThrough() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20);
        assertEntries(cache, entries(2, 10, 4, 20));
        assertEquals("0\n2\n2 10\n4 20\n", Files.readString(checkpoint().path()));
        assertEquals(OptionalInt.of(4), cache.latestEpoch());
    }

    @Test
    void sameEpochKeepsItsEarliestStartOffset() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 2, 15);
        assertEntries(cache, entries(2, 10));
        cache.assign(2, 8);
        assertEntries(cache, entries(2, 8));
    }

    @Test
    void epochlessBatchesAreIgnored() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10);
        cache.assign(-1, 20);
        assertEntries(cache, entries(2, 10));
    }

    @Test
    void negativeStartOffsetIsRefused() throws IOException {
        LeaderEpochFileCache cache = cacheWith();
        assertThrows(IllegalArgumentException.class, () -> cache.assign(1, -1));
    }

    @Test
    void lowerEpochRemovesTheLaterEpochs() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20, 5, 30);
        cache.assign(3, 25);
        assertEntries(cache, entries(2, 10, 3, 25));
    }

    @Test
    void newEpochAtAnEarlierOffsetRemovesEntriesStartingAtOrAfterIt() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20, 5, 30);
        cache.assign(6, 20);
        assertEntries(cache, entries(2, 10, 6, 20));
    }

    @Test
    void newEpochAtTheSameOffsetReplacesAnEmptyEpoch() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20);
        cache.assign(5, 20);
        assertEntries(cache, entries(2, 10, 5, 20));
    }

    @Test
    void epochForOffsetFindsTheEpochInForce() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20);
        assertEquals(OptionalInt.empty(), cache.epochForOffset(9));
        assertEquals(OptionalInt.of(2), cache.epochForOffset(10));
        assertEquals(OptionalInt.of(2), cache.epochForOffset(19));
        assertEquals(OptionalInt.of(4), cache.epochForOffset(20));
        assertEquals(OptionalInt.of(4), cache.epochForOffset(1_000));
    }

    @Test
    void endOffsetForTheLatestEpochIsTheLogEnd() throws IOException {
        assertEquals(new EpochEndOffset(4, LOG_END), cacheWith(2, 10, 4, 20).endOffsetFor(4, LOG_END));
    }

    @Test
    void endOffsetForAnOlderEpochIsWhereTheNextOneStarts() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0, 3, 10, 5, 20);
        assertEquals(new EpochEndOffset(3, 20), cache.endOffsetFor(3, LOG_END));
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(1, LOG_END));
    }

    @Test
    void endOffsetForAnUnknownMiddleEpochAnswersWithTheEpochBelowIt() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0, 3, 10, 5, 20);
        assertEquals(new EpochEndOffset(3, 20), cache.endOffsetFor(4, LOG_END));
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(2, LOG_END));
    }

    @Test
    void endOffsetForAnEpochBeforeTheFirstIsTheFirstStartOffset() throws IOException {
        // Kafka answers with the requested epoch, so a follower truncates to where our log now begins.
        assertEquals(new EpochEndOffset(1, 10), cacheWith(2, 10, 4, 20).endOffsetFor(1, LOG_END));
    }

    @Test
    void endOffsetForUndefinedOrFutureEpochIsUndefined() throws IOException {
        LeaderEpochFileCache cache = cacheWith(2, 10, 4, 20);
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(EpochEndOffset.UNDEFINED_EPOCH, LOG_END));
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(5, LOG_END));
    }

    @Test
    void truncateFromEndDropsEpochsStartingAtOrAfterTheNewEnd() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0, 3, 10, 5, 20);
        cache.truncateFromEnd(100);
        assertEntries(cache, entries(1, 0, 3, 10, 5, 20));
        cache.truncateFromEnd(15);
        assertEntries(cache, entries(1, 0, 3, 10));
        cache.truncateFromEnd(10);
        assertEntries(cache, entries(1, 0));
        cache.truncateFromEnd(-1);
        assertEntries(cache, entries(1, 0));
        cache.truncateFromEnd(0);
        assertEntries(cache, entries());
    }

    @Test
    void truncateFromStartMovesTheEpochInForceUpToTheNewStart() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0, 3, 10, 5, 20);
        cache.truncateFromStart(0);
        assertEntries(cache, entries(1, 0, 3, 10, 5, 20));
        cache.truncateFromStart(15);
        assertEntries(cache, entries(3, 15, 5, 20));
        cache.truncateFromStart(20);
        assertEntries(cache, entries(5, 20));
        cache.truncateFromStart(25);
        assertEntries(cache, entries(5, 25));
    }

    @Test
    void truncateFromStartBeforeTheFirstEpochChangesNothing() throws IOException {
        LeaderEpochFileCache cache = cacheWith(3, 10);
        cache.truncateFromStart(5);
        assertEntries(cache, entries(3, 10));
    }

    @Test
    void clearAndFlushEmptiesTheFile() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0, 3, 10);
        cache.clearAndFlush();
        assertEntries(cache, entries());
        assertEquals("0\n0\n", Files.readString(checkpoint().path()));
    }

    @Test
    void loadingRepairsANonMonotonicFileTheWayAssignWould() throws IOException {
        Files.writeString(checkpoint().path(), "0\n3\n1 0\n3 10\n2 5\n");
        assertEquals(entries(1, 0, 2, 5), new LeaderEpochFileCache(checkpoint()).entries());
    }

    @Test
    void failedWriteIsReported() throws IOException {
        LeaderEpochFileCache cache = cacheWith(1, 0);
        Files.delete(checkpoint().path());
        Files.delete(dir);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> cache.assign(2, 10));
        assertTrue(e.getMessage().contains(checkpoint().path().toString()), e.getMessage());
    }

    @Test
    void corruptFileFailsTheLoad() throws IOException {
        Files.writeString(checkpoint().path(), "0\n2\n1 0\n");
        assertThrows(IOException.class, () -> new LeaderEpochFileCache(checkpoint()));
    }
}
