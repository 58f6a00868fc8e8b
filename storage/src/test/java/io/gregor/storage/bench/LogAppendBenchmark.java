package io.gregor.storage.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Time;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

import io.gregor.storage.log.FetchDataInfo;
import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogConfig;
import io.gregor.storage.log.LogManager;
import io.gregor.storage.log.LogManagerConfig;
import io.gregor.storage.log.LogSlice;
import io.gregor.storage.record.BatchHeader;
import io.gregor.storage.record.BatchValidator;

/**
 * Storage throughput on this machine, Gregor's log next to a plain {@link FileChannel}: appends of
 * ~16 KiB uncompressed batches (100 B or 1 KiB records) with {@link Log#appendAsLeader}, reading
 * them back with {@link Log#read} in 1 MiB fetches, and the same bytes written to and read from a
 * file with {@code FileChannel.write}/{@code read} (no fsync) as the reference.
 *
 * <p>Not a test: run it with {@code bench/storage.sh [size]}. Each round uses a fresh directory
 * under {@code -Dbench.dir} (default {@code java.io.tmpdir}), which is deleted afterwards.
 * One warm-up round, then {@value #ROUNDS} measured rounds; the table shows the median and range.
 */
public final class LogAppendBenchmark {
    private static final int BATCH_BYTES = 16 * 1024;
    private static final int DISTINCT_BATCHES = 64;
    private static final int FETCH_BYTES = 1024 * 1024;
    private static final int PAGE = 4096;
    private static final int WARMUP_ROUNDS = 1;
    private static final int ROUNDS = 3;
    private static final int[] RECORD_SIZES = {100, 1024};
    private static final TopicPartition TP = new TopicPartition("bench", 0);

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Defeats dead-code elimination of the reads. */
    private static long blackhole;

    private LogAppendBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? parseSize(args[0]) : 1L << 30;
        if (!Boolean.getBoolean("bench.verbose"))
            Configurator.setRootLevel(Level.WARN);
        Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable < target + (256L << 20))
            throw new IllegalStateException(String.format("only %d MiB free in %s; %d MiB per round plus 256 MiB "
                + "are needed. Pass a smaller size, e.g. 256m", usable >> 20, base, target >> 20));
        Path root = Files.createTempDirectory(base, "gregor-bench-");
        Thread cleanup = new Thread(() -> deleteQuietly(root), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);

        System.out.printf(Locale.ROOT, "Gregor storage benchmark: %d MiB per round, batches of ~%d KiB, "
                + "%d warm-up + %d measured rounds, in %s%n", target >> 20, BATCH_BYTES >> 10, WARMUP_ROUNDS, ROUNDS, root);
        System.out.printf(Locale.ROOT, "JVM %s, %d CPUs, max heap %d MiB, load average at start %s%n%n",
            Runtime.version(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
            loadAverage());

        List<Row> rows = new ArrayList<>();
        try {
            for (int recordSize : RECORD_SIZES) {
                Batches batches = Batches.build(recordSize);
                long count = target / batches.batchSize;
                System.out.printf(Locale.ROOT, "%s records: %d records of %d B values per batch, batch %d B, "
                        + "%d batches = %.1f MiB per round%n", sizeLabel(recordSize), batches.recordsPerBatch,
                    recordSize, batches.batchSize, count, count * batches.batchSize / 1048576.0);

                Result validate = runCase("validate", recordSize, new String[] {"validate"},
                    round -> validateOnly(batches, count), false);
                Result gregor = runCase("gregor", recordSize, new String[] {"append", "read", "read reopened",
                    "read+copy"}, round -> gregorRound(root, recordSize, round, batches, count), true);
                Result plain = runCase("filechannel", recordSize, new String[] {"write", "read"},
                    round -> fileChannelRound(root, recordSize, round, batches, count), true);

                String size = sizeLabel(recordSize);
                rows.add(new Row("Gregor appendAsLeader", size, gregor.ops[0], plain.ops[0]));
                rows.add(new Row("FileChannel.write", size, plain.ops[0], null));
                rows.add(new Row("Gregor read (same mapping)", size, gregor.ops[1], plain.ops[1]));
                rows.add(new Row("Gregor read (reopened log)", size, gregor.ops[2], plain.ops[1]));
                rows.add(new Row("Gregor read + copy out (reopened log)", size, gregor.ops[3], plain.ops[1]));
                rows.add(new Row("FileChannel.read", size, plain.ops[1], null));
                rows.add(new Row("BatchValidator only (CRC32C, no I/O)", size, validate.ops[0], null));
                System.out.println();
            }
        } finally {
            deleteQuietly(root);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }

        System.out.println("MB = 10^6 bytes; median of " + ROUNDS + " rounds (min-max); ratio = Gregor median / FileChannel median");
        System.out.println("cpu = CPU time of the benchmark thread (user + sys) / wall time of the operation, median; below 1 = waiting");
        System.out.println("faults = minor page faults of the process per MiB moved (median; 256 = one per 4 KiB page)");
        System.out.println("alloc = heap bytes allocated by the benchmark thread per call (append: per batch, read: per 1 MiB fetch)");
        String format = "%-38s %-7s %-24s %-6s %-5s %-7s %s%n";
        System.out.printf(Locale.ROOT, format, "case", "record", "MB/s median (min-max)", "ratio", "cpu", "faults",
            "alloc/call");
        for (Row row : rows)
            System.out.printf(Locale.ROOT, format, row.name, row.recordSize, row.stats.describe(),
                row.reference == null ? "" : String.format(Locale.ROOT, "%.2f", row.stats.median() / row.reference.median()),
                String.format(Locale.ROOT, "%.2f", row.stats.medianCpu()),
                String.format(Locale.ROOT, "%.1f", row.stats.medianFaultsPerMiB()),
                String.format(Locale.ROOT, "%.0f B", row.stats.medianAllocPerCall()));
        System.out.println("(checksum " + blackhole + "; load average at end " + loadAverage()
            + ": other work on the machine skews the figures)");
    }

    // ---------------------------------------------------------------- cases

    @FunctionalInterface
    private interface RoundBody {
        Measurement[] run(int round) throws IOException;
    }

    /**
     * Runs warm-up and measured rounds, collects each operation's measurements, prints every round's
     * MB/s (warm-up first), CPU time and RSS.
     */
    private static Result runCase(String name, int recordSize, String[] ops, RoundBody body, boolean report)
            throws IOException {
        long cpuBefore = processCpuNanos();
        long wallBefore = System.nanoTime();
        List<List<Measurement>> perOp = new ArrayList<>();
        StringBuilder[] rounds = new StringBuilder[ops.length];
        for (int i = 0; i < ops.length; i++)
            rounds[i] = new StringBuilder();
        long peakOpenRss = 0;
        for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
            Measurement[] ms = body.run(round);
            while (perOp.size() < ms.length)
                perOp.add(new ArrayList<>());
            for (int i = 0; i < ms.length; i++)
                rounds[i].append(round == WARMUP_ROUNDS ? " | " : " ").append(Math.round(ms[i].mbPerSecond()));
            if (round >= WARMUP_ROUNDS) {
                for (int i = 0; i < ms.length; i++)
                    perOp.get(i).add(ms[i]);
            }
            for (Measurement m : ms)
                peakOpenRss = Math.max(peakOpenRss, m.rssKb);
        }
        Result result = new Result(perOp.stream().map(Stats::new).toArray(Stats[]::new));
        if (report) {
            long cpu = processCpuNanos() - cpuBefore;
            long wall = System.nanoTime() - wallBefore;
            System.out.printf(Locale.ROOT, "  %-11s %-5s cpu %.2f s in %.2f s wall (process total %.1f s); RSS with "
                    + "data open %d MiB, after %d MiB (peak VmHWM %d MiB)%n",
                name, sizeLabel(recordSize), cpu / 1e9, wall / 1e9, processCpuNanos() / 1e9,
                peakOpenRss >> 10, procStatusKb("VmRSS") >> 10, procStatusKb("VmHWM") >> 10);
            StringBuilder line = new StringBuilder("    MB/s per round (warm-up | measured):");
            for (int i = 0; i < ops.length; i++)
                line.append(i == 0 ? " " : "; ").append(ops[i]).append(rounds[i]);
            System.out.println(line);
        }
        return result;
    }

    /** One round: a fresh log, append, read back on the same mapping, close, reopen, read again, delete. */
    private static Measurement[] gregorRound(Path root, int recordSize, int round, Batches batches, long count)
            throws IOException {
        Path dir = Files.createDirectory(root.resolve("gregor-" + recordSize + "-" + round));
        long expectedBytes = count * batches.batchSize;
        long expectedRecords = count * batches.recordsPerBatch;
        Measurement append;
        Measurement read;
        Measurement reread;
        Measurement copied;
        try {
            LogManager lm = new LogManager(LogManagerConfig.defaults(List.of(dir)), Time.SYSTEM);
            lm.startup();
            try {
                Log log = lm.getOrCreateLog(TP, LogConfig.DEFAULT);
                ByteBuffer[] bufs = batches.direct;
                long flt0 = minorFaults();
                long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (long i = 0; i < count; i++)
                    log.appendAsLeader(bufs[(int) (i % DISTINCT_BATCHES)], 0);
                long t1 = System.nanoTime();
                long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
                long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
                long flt = minorFaults() - flt0;
                if (log.logEndOffset() != expectedRecords || log.size() != expectedBytes)
                    throw new IllegalStateException("log holds " + log.logEndOffset() + " records in " + log.size()
                        + " bytes, expected " + expectedRecords + " in " + expectedBytes);
                append = new Measurement(expectedBytes, t1 - t0, cpu, alloc, flt, count, procStatusKb("VmRSS"));
                read = readAll(log, expectedRecords, expectedBytes, null);
            } finally {
                lm.close();
                // Chronicle unmaps on a background thread; wait, so the next measurement does not overlap it.
                BackgroundResourceReleaser.releasePendingResources();
            }
            LogManager reopened = new LogManager(LogManagerConfig.defaults(List.of(dir)), Time.SYSTEM);
            reopened.startup();
            try {
                Log log = reopened.getOrCreateLog(TP, LogConfig.DEFAULT);
                reread = readAll(log, expectedRecords, expectedBytes, null);
                copied = readAll(log, expectedRecords, expectedBytes, batches.readBuffer);
            } finally {
                reopened.close();
                BackgroundResourceReleaser.releasePendingResources();
            }
        } finally {
            deleteQuietly(dir);
        }
        return new Measurement[] {append, read, reread, copied};
    }

    /**
     * Fetches from offset 0 to the end in 1 MiB reads, as a consumer catching up, and sums a long per
     * 4 KiB: of the mapped slice itself (zero copy), or with {@code copyTo} of a copy of it, which is
     * what FileChannel.read has to do.
     */
    private static Measurement readAll(Log log, long expectedRecords, long expectedBytes, ByteBuffer copyTo) {
        long sum = 0;
        long bytes = 0;
        long fetches = 0;
        long offset = 0;
        long flt0 = minorFaults();
        long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        while (offset < expectedRecords) {
            FetchDataInfo info = log.read(offset, FETCH_BYTES, Long.MAX_VALUE, true);
            try (LogSlice slice = info.records()) {
                ByteBuffer records = slice.records();
                int n = records.remaining();
                if (n == 0 || BatchHeader.baseOffset(records, 0) != offset)
                    throw new IllegalStateException("read at offset " + offset + " returned " + n + " bytes starting at "
                        + (n == 0 ? "-" : BatchHeader.baseOffset(records, 0)));
                ByteBuffer touched = records;
                if (copyTo != null) {
                    copyTo.clear();
                    copyTo.put(records.duplicate());
                    touched = copyTo;
                }
                for (int p = 0; p + Long.BYTES <= n; p += PAGE)
                    sum += touched.getLong(p);
                int pos = 0;
                while (pos < n) {
                    offset = BatchHeader.lastOffset(records, pos) + 1;
                    pos += BatchHeader.sizeInBytes(records, pos);
                }
                bytes += n;
                fetches++;
            }
        }
        long t1 = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
        long flt = minorFaults() - flt0;
        long rss = procStatusKb("VmRSS");
        if (bytes != expectedBytes)
            throw new IllegalStateException("read " + bytes + " bytes, expected " + expectedBytes);
        blackhole += sum;
        return new Measurement(bytes, t1 - t0, cpu, alloc, flt, fetches, rss);
    }

    /** One round: append the same buffers to a new file with FileChannel.write, read it back in 1 MiB reads. */
    private static Measurement[] fileChannelRound(Path root, int recordSize, int round, Batches batches, long count)
            throws IOException {
        Path file = root.resolve("filechannel-" + recordSize + "-" + round + ".log");
        long expectedBytes = count * batches.batchSize;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ByteBuffer[] bufs = batches.direct;
            long flt0 = minorFaults();
            long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (long i = 0; i < count; i++) {
                ByteBuffer b = bufs[(int) (i % DISTINCT_BATCHES)];
                b.clear();
                while (b.hasRemaining())
                    channel.write(b);
            }
            long t1 = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
            long flt = minorFaults() - flt0;
            if (channel.size() != expectedBytes)
                throw new IllegalStateException("file holds " + channel.size() + " bytes, expected " + expectedBytes);
            Measurement write = new Measurement(expectedBytes, t1 - t0, cpu, alloc, flt, count, procStatusKb("VmRSS"));
            for (ByteBuffer b : bufs)
                b.clear();

            ByteBuffer dst = batches.readBuffer;
            long sum = 0;
            long position = 0;
            long fetches = 0;
            flt0 = minorFaults();
            alloc0 = THREADS.getCurrentThreadAllocatedBytes();
            cpu0 = THREADS.getCurrentThreadCpuTime();
            t0 = System.nanoTime();
            while (true) {
                dst.clear();
                int n = channel.read(dst, position);
                if (n <= 0)
                    break;
                for (int p = 0; p + Long.BYTES <= n; p += PAGE)
                    sum += dst.getLong(p);
                position += n;
                fetches++;
            }
            t1 = System.nanoTime();
            cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
            alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
            flt = minorFaults() - flt0;
            if (position != expectedBytes)
                throw new IllegalStateException("read " + position + " bytes, expected " + expectedBytes);
            blackhole += sum;
            Measurement read = new Measurement(position, t1 - t0, cpu, alloc, flt, fetches, procStatusKb("VmRSS"));
            return new Measurement[] {write, read};
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The CPU floor of appendAsLeader's validation: CRC32C of every batch, in memory. */
    private static Measurement[] validateOnly(Batches batches, long count) {
        BatchValidator validator = new BatchValidator();
        ByteBuffer[] bufs = batches.direct;
        long sizes = 0;
        long flt0 = minorFaults();
        long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (long i = 0; i < count; i++) {
            ByteBuffer b = bufs[(int) (i % DISTINCT_BATCHES)];
            sizes += validator.validate(b, 0, b.limit());
        }
        long t1 = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
        long flt = minorFaults() - flt0;
        return new Measurement[] {new Measurement(sizes, t1 - t0, cpu, alloc, flt, count, 0)};
    }

    // ---------------------------------------------------------------- batches

    /** {@value #DISTINCT_BATCHES} distinct batches of the same size, built once, as direct buffers. */
    private static final class Batches {
        final ByteBuffer[] direct;
        final ByteBuffer readBuffer = ByteBuffer.allocateDirect(FETCH_BYTES);
        final int batchSize;
        final int recordsPerBatch;

        private Batches(ByteBuffer[] direct, int recordsPerBatch) {
            this.direct = direct;
            this.batchSize = direct[0].remaining();
            this.recordsPerBatch = recordsPerBatch;
        }

        /** Fills each batch with as many records of {@code valueSize} bytes (no key) as fit in 16 KiB. */
        static Batches build(int valueSize) {
            Random random = new Random(42);
            long timestamp = System.currentTimeMillis();
            int records = -1;
            ByteBuffer[] direct = new ByteBuffer[DISTINCT_BATCHES];
            for (int b = 0; b < DISTINCT_BATCHES; b++) {
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(BATCH_BYTES),
                    RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 0L, timestamp,
                    RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH);
                byte[] value = new byte[valueSize];
                int n = 0;
                while (true) {
                    random.nextBytes(value);
                    if (!builder.hasRoomFor(timestamp + n, null, value, Record.EMPTY_HEADERS))
                        break;
                    builder.append(timestamp + n, null, value.clone());
                    n++;
                }
                if (records >= 0 && records != n)
                    throw new IllegalStateException("batches differ in record count: " + records + " and " + n);
                records = n;
                ByteBuffer heap = builder.build().buffer();
                ByteBuffer copy = ByteBuffer.allocateDirect(heap.remaining());
                copy.put(heap).flip();
                direct[b] = copy;
                if (copy.remaining() != direct[0].remaining())
                    throw new IllegalStateException("batches differ in size");
            }
            return new Batches(direct, records);
        }
    }

    // ---------------------------------------------------------------- results

    private record Measurement(long bytes, long nanos, long cpuNanos, long allocatedBytes, long minorFaults, long calls,
                               long rssKb) {
        double mbPerSecond() {
            return bytes / (nanos / 1e9) / 1e6;
        }

        double cpuPerWall() {
            return (double) cpuNanos / nanos;
        }

        double faultsPerMiB() {
            return minorFaults / (bytes / 1048576.0);
        }
    }

    private record Result(Stats[] ops) {
    }

    private static final class Stats {
        final double[] mbs;
        final double[] allocPerCall;
        final double[] cpuPerWall;
        final double[] faultsPerMiB;

        Stats(List<Measurement> ms) {
            mbs = ms.stream().mapToDouble(Measurement::mbPerSecond).sorted().toArray();
            allocPerCall = ms.stream().mapToDouble(m -> (double) m.allocatedBytes / m.calls).sorted().toArray();
            cpuPerWall = ms.stream().mapToDouble(Measurement::cpuPerWall).sorted().toArray();
            faultsPerMiB = ms.stream().mapToDouble(Measurement::faultsPerMiB).sorted().toArray();
        }

        double medianFaultsPerMiB() {
            return medianOf(faultsPerMiB);
        }

        double medianCpu() {
            return medianOf(cpuPerWall);
        }

        double median() {
            return medianOf(mbs);
        }

        double medianAllocPerCall() {
            return medianOf(allocPerCall);
        }

        private static double medianOf(double[] sorted) {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        String describe() {
            return String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", median(), mbs[0], mbs[mbs.length - 1]);
        }
    }

    private record Row(String name, String recordSize, Stats stats, Stats reference) {
    }

    // ---------------------------------------------------------------- helpers

    private static String sizeLabel(int recordSize) {
        return recordSize >= 1024 && recordSize % 1024 == 0 ? (recordSize / 1024) + " KiB" : recordSize + " B";
    }

    /** "1g", "512m", "64k" or a plain number of bytes. */
    static long parseSize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        long size = Long.parseLong(t) * unit;
        if (size < 1L << 20)
            throw new IllegalArgumentException("size " + s + " is below 1 MiB");
        return size;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getProcessCpuTime();
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "n/a". */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    /** Minor page faults of the process so far (field 10 of /proc/self/stat), or 0 where there is none. */
    private static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A "kB" field of /proc/self/status, or -1 where there is none (not Linux). */
    private static long procStatusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":"))
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static void deleteQuietly(Path path) {
        if (!Files.exists(path))
            return;
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("could not delete " + p + ": " + e);
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + path + ": " + e);
        }
    }
}
