package io.gregor.storage.log;

import java.nio.file.Path;

/** Kafka's file naming inside a partition directory. */
public final class LogFiles {
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String DELETED_SUFFIX = ".deleted";
    public static final String CLEANED_SUFFIX = ".cleaned";
    public static final String SWAP_SUFFIX = ".swap";

    private LogFiles() {
    }

    /** Offsets are written as 20 zero-padded digits so that file names sort by offset. */
    public static String filenamePrefix(long offset) {
        return String.format("%020d", offset);
    }

    public static Path logFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(filenamePrefix(baseOffset) + LOG_SUFFIX + suffix);
    }

    public static Path offsetIndexFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(filenamePrefix(baseOffset) + INDEX_SUFFIX + suffix);
    }

    public static Path timeIndexFile(Path dir, long baseOffset, String suffix) {
        return dir.resolve(filenamePrefix(baseOffset) + TIME_INDEX_SUFFIX + suffix);
    }

    /** The base offset named by a segment or index file, or -1 for any other file. */
    public static long baseOffsetOf(String fileName) {
        int dot = fileName.indexOf('.');
        if (dot != 20)
            return -1;
        for (int i = 0; i < dot; i++) {
            if (!Character.isDigit(fileName.charAt(i)))
                return -1;
        }
        return Long.parseLong(fileName.substring(0, dot));
    }
}
