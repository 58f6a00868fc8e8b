package io.gregor.storage.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * The child process of {@link CrashRecoveryTest}: opens a {@link LogManager} over the log dir
 * given as the first argument, continues the deterministic batch sequence after whatever the log
 * already holds, and appends until it is killed. Every {@link #FLUSH_EVERY} batches it flushes
 * and then prints {@code flushed <batchCount> <logEndOffset>}, so the parent knows what must
 * survive the crash.
 *
 * <p>Batch {@code id} is the id-th batch of the log: its record count, value size, codec and
 * timestamp come from {@link #spec(long)}, record i has key {@code k<id>-<i>}
 * ({@link TestBatches#key}) and the value {@link TestBatches#value}.
 */
public final class CrashingAppender {
    static final TopicPartition TP = new TopicPartition("crash", 0);
    static final int FLUSH_EVERY = 5;
    static final long BASE_TIMESTAMP = 1_700_000_000_000L;
    /** A child that outlives this is stuck: it stops by itself so it can never linger. */
    private static final long MAX_RUNTIME_MS = 60_000L;
    private static final CompressionType[] CODECS = {
        CompressionType.NONE, CompressionType.NONE, CompressionType.LZ4, CompressionType.GZIP,
        CompressionType.SNAPPY, CompressionType.ZSTD
    };

    private CrashingAppender() {
    }

    /**
     * Small segments so the log rolls several times per run, by size or because an index filled
     * (1 KiB holds 128 offset entries but only 85 time entries); sparse indexes with many entries.
     */
    static LogConfig config() {
        return LogConfig.DEFAULT.with(Map.of(
            "segment.bytes", 64 * 1024,
            "segment.index.bytes", 1024,
            "index.interval.bytes", 512));
    }

    /** What batch {@code id} holds. */
    record BatchSpec(long id, int records, int valueSize, CompressionType codec, long timestamp) {
        ByteBuffer build() {
            return TestBatches.batch(id, records, valueSize, codec, timestamp);
        }
    }

    static BatchSpec spec(long id) {
        Random random = new Random(0x5EED_0000L + id * 1_000_003L);
        int records = 1 + random.nextInt(10);
        int valueSize = 1 + random.nextInt(400);
        CompressionType codec = CODECS[random.nextInt(CODECS.length)];
        // Mostly rising timestamps, now and then an older batch, as producers with skewed clocks send.
        long timestamp = BASE_TIMESTAMP + id * 10 - (random.nextInt(10) == 0 ? 2_000 : 0);
        return new BatchSpec(id, records, valueSize, codec, timestamp);
    }

    /** The id of the batch after the last one in the log: parsed from the key of its first record. */
    static long nextBatchId(Log log) {
        long end = log.logEndOffset();
        if (end == log.logStartOffset())
            return 0;
        FetchDataInfo info = log.read(end - 1, 1, Long.MAX_VALUE, true);
        try (LogSlice slice = info.records()) {
            ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
            copy.put(slice.records()).flip();
            Iterator<? extends RecordBatch> batches = MemoryRecords.readableRecords(copy).batches().iterator();
            if (!batches.hasNext())
                throw new IllegalStateException("no batch holds offset " + (end - 1));
            RecordBatch last = batches.next();
            Record first = last.iterator().next();
            return idOfKey(first.key()) + 1;
        }
    }

    /** The batch id in a key {@code k<id>-<i>}. */
    static long idOfKey(ByteBuffer key) {
        String text = new String(Utils.toArray(key), StandardCharsets.UTF_8);
        return Long.parseLong(text.substring(1, text.indexOf('-')));
    }

    public static void main(String[] args) throws Exception {
        Path logDir = Path.of(args[0]);
        PrintStream out = System.out;
        startWatchdog();
        // Checkpoints often, so a crash also lands in the middle of checkpoint writes and the next start
        // recovers from a checkpointed recovery point rather than always from offset 0.
        LogManagerConfig managerConfig = new LogManagerConfig(List.of(logDir), config(), 1, Long.MAX_VALUE,
            100L, 100L, 100L);
        LogManager manager = new LogManager(managerConfig, Time.SYSTEM);
        manager.startup();
        Log log = manager.getLog(TP).orElseGet(() -> manager.getOrCreateLog(TP, config()));
        long id = nextBatchId(log);
        out.println("started " + id + " " + log.logEndOffset());
        out.flush();
        while (true) {
            BatchSpec spec = spec(id);
            LogAppendInfo info = log.appendAsLeader(spec.build(), 1);
            if (info.lastOffset() - info.firstOffset() + 1 != spec.records())
                throw new IllegalStateException("batch " + id + " got offsets " + info.firstOffset() + ".." + info.lastOffset());
            id++;
            if (id % FLUSH_EVERY == 0) {
                long end = log.logEndOffset();
                log.flush(end);
                out.println("flushed " + id + " " + end);
                out.flush();
            }
        }
    }

    /** Exits when the parent goes away (its end of our stdin closes) or after {@link #MAX_RUNTIME_MS}. */
    private static void startWatchdog() {
        long deadline = System.currentTimeMillis() + MAX_RUNTIME_MS;
        Thread stdin = new Thread(() -> {
            InputStream in = System.in;
            try {
                while (in.read() >= 0) {
                    // the parent never writes; EOF means it is gone
                }
            } catch (IOException e) {
                // treat as gone
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watchdog");
        stdin.setDaemon(true);
        stdin.start();
        Thread timer = new Thread(() -> {
            while (System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(4);
        }, "runtime-limit");
        timer.setDaemon(true);
        timer.start();
    }
}
