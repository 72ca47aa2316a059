package io.sluice.gateway.load;

import io.sluice.gateway.backend.UpstreamAddress;
import io.sluice.gateway.backend.UpstreamNbdBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A block-I/O load generator over NBD, so the demo and tests need nothing beyond a JDK: {@code depth} threads each keep
 * one request in flight on one shared, pipelined NBD connection (the gateway's upstream client), at an optional total
 * rate, for a duration.
 */
public final class LoadGenerator {
    /** What to issue. */
    public enum Pattern {
        RANDREAD,
        RANDWRITE,
        RANDRW,
        READ,
        WRITE
    }

    /** @param rateIops 0 for as fast as the queue depth allows; @param readPercent for RANDRW */
    public record Spec(
            String uri,
            Pattern pattern,
            int blockSize,
            int depth,
            long rateIops,
            long durationMillis,
            int readPercent,
            long seed) {
        public Spec {
            if (blockSize <= 0
                    || depth <= 0
                    || durationMillis <= 0
                    || rateIops < 0
                    || readPercent < 0
                    || readPercent > 100) {
                throw new IllegalArgumentException(
                        "block size, depth and duration must be positive, rate >= 0, read % in 0..100");
            }
        }
    }

    /** What happened. Latencies in microseconds. */
    public record Result(
            long ops,
            long bytes,
            long errors,
            double seconds,
            long p50Micros,
            long p90Micros,
            long p99Micros,
            long p999Micros,
            long maxMicros) {
        public double iops() {
            return ops / seconds;
        }

        public double megabytesPerSecond() {
            return bytes / seconds / 1_000_000.0;
        }

        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%,.0f IOPS, %.1f MB/s, latency us p50 %d p90 %d p99 %d p99.9 %d max %d, %d errors (%d ops in %.1f s)",
                    iops(),
                    megabytesPerSecond(),
                    p50Micros,
                    p90Micros,
                    p99Micros,
                    p999Micros,
                    maxMicros,
                    errors,
                    ops,
                    seconds);
        }
    }

    private LoadGenerator() {}

    public static Result run(Spec spec) throws Exception {
        try (UpstreamNbdBackend target = UpstreamNbdBackend.connect(UpstreamAddress.parse(spec.uri()))) {
            long blocks = target.size() / spec.blockSize();
            if (blocks < 1) {
                throw new IllegalArgumentException(
                        "the export (" + target.size() + " bytes) is smaller than one block");
            }
            boolean writes = spec.pattern() != Pattern.RANDREAD && spec.pattern() != Pattern.READ;
            if (writes && target.readOnly()) {
                throw new IllegalArgumentException("the export is read-only; use a read pattern");
            }
            long start = System.nanoTime();
            long end = start + spec.durationMillis() * 1_000_000L;
            long gapNanos = spec.rateIops() == 0 ? 0 : 1_000_000_000L / spec.rateIops();
            AtomicLong nextSlot = new AtomicLong(start);
            AtomicLong sequential = new AtomicLong();
            List<Worker> workers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < spec.depth(); i++) {
                Worker worker = new Worker(
                        spec,
                        target,
                        blocks,
                        end,
                        gapNanos,
                        nextSlot,
                        sequential,
                        new SplittableRandom(spec.seed() + i));
                workers.add(worker);
                threads.add(Thread.ofPlatform().name("load-" + i).start(worker));
            }
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Histogram all = new Histogram(60_000_000L, 3);
            long ops = 0;
            long bytes = 0;
            long errors = 0;
            for (Worker w : workers) {
                all.add(w.latency);
                ops += w.ops;
                bytes += w.bytes;
                errors += w.errors;
            }
            return new Result(
                    ops,
                    bytes,
                    errors,
                    seconds,
                    all.getValueAtPercentile(50),
                    all.getValueAtPercentile(90),
                    all.getValueAtPercentile(99),
                    all.getValueAtPercentile(99.9),
                    all.getMaxValue());
        }
    }

    private static final class Worker implements Runnable {
        final Spec spec;
        final UpstreamNbdBackend target;
        final long blocks;
        final long end;
        final long gapNanos;
        final AtomicLong nextSlot;
        final AtomicLong sequential;
        final SplittableRandom random;
        final ByteBuffer buffer;
        final Histogram latency = new Histogram(60_000_000L, 3);
        long ops;
        long bytes;
        long errors;

        Worker(
                Spec spec,
                UpstreamNbdBackend target,
                long blocks,
                long end,
                long gapNanos,
                AtomicLong nextSlot,
                AtomicLong sequential,
                SplittableRandom random) {
            this.spec = spec;
            this.target = target;
            this.blocks = blocks;
            this.end = end;
            this.gapNanos = gapNanos;
            this.nextSlot = nextSlot;
            this.sequential = sequential;
            this.random = random;
            this.buffer = ByteBuffer.allocateDirect(spec.blockSize());
            byte[] fill = new byte[spec.blockSize()];
            random.nextBytes(fill);
            buffer.put(fill).clear();
        }

        @Override
        public void run() {
            while (true) {
                if (gapNanos > 0) {
                    long slot = nextSlot.getAndAdd(gapNanos);
                    long wait = slot - System.nanoTime();
                    if (slot >= end) {
                        return;
                    }
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else if (System.nanoTime() >= end) {
                    return;
                }
                boolean read = switch (spec.pattern()) {
                    case RANDREAD, READ -> true;
                    case RANDWRITE, WRITE -> false;
                    case RANDRW -> random.nextInt(100) < spec.readPercent();
                };
                long block = spec.pattern() == Pattern.READ || spec.pattern() == Pattern.WRITE
                        ? sequential.getAndIncrement() % blocks
                        : random.nextLong(blocks);
                long offset = block * spec.blockSize();
                buffer.clear();
                long t0 = System.nanoTime();
                int status = read ? target.read(offset, buffer) : target.write(offset, buffer, false);
                latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                if (status == 0) {
                    ops++;
                    bytes += spec.blockSize();
                } else {
                    errors++;
                }
            }
        }
    }
}
