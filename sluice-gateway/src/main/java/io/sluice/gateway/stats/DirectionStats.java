package io.sluice.gateway.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters of one direction of one volume. Written concurrently by connection readers (admitted), dispatcher threads
 * (completed) and the scheduler (throttled) with atomics and HdrHistogram {@link Recorder}s, which record without locks
 * or allocation; read by {@link #snapshot}, which folds each recorder's interval into a cumulative histogram.
 */
final class DirectionStats {
    /** One minute, in microseconds; anything slower is recorded as one minute. */
    private static final long HIGHEST_MICROS = 60_000_000L;
    /** 1% precision keeps each histogram near 20 KiB, so a gateway can afford many volumes. */
    private static final int DIGITS = 2;

    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong throttledNanos = new AtomicLong();
    private final AtomicInteger queueDepth = new AtomicInteger();
    private final AtomicInteger peakQueueDepth = new AtomicInteger();
    private final Recorder totalRecorder = new Recorder(HIGHEST_MICROS, DIGITS);
    private final Recorder backendRecorder = new Recorder(HIGHEST_MICROS, DIGITS);
    private final Histogram total = new Histogram(HIGHEST_MICROS, DIGITS);
    private final Histogram backend = new Histogram(HIGHEST_MICROS, DIGITS);
    private Histogram totalInterval;
    private Histogram backendInterval;

    void admitted() {
        int depth = queueDepth.incrementAndGet();
        peakQueueDepth.accumulateAndGet(depth, Math::max);
    }

    void completed(long length, long totalNanos, long backendNanos) {
        queueDepth.decrementAndGet();
        ops.incrementAndGet();
        bytes.addAndGet(length);
        totalRecorder.recordValue(micros(totalNanos));
        backendRecorder.recordValue(micros(backendNanos));
    }

    void throttled(long nanos) {
        throttledNanos.addAndGet(nanos);
    }

    /** Called under the owner's lock: the cumulative histograms are only touched here. */
    DirectionSnapshot snapshot() {
        totalInterval = totalRecorder.getIntervalHistogram(totalInterval);
        total.add(totalInterval);
        backendInterval = backendRecorder.getIntervalHistogram(backendInterval);
        backend.add(backendInterval);
        return new DirectionSnapshot(
                ops.get(),
                bytes.get(),
                queueDepth.get(),
                peakQueueDepth.get(),
                throttledNanos.get(),
                LatencySummary.of(total),
                LatencySummary.of(backend),
                total.copy(),
                backend.copy());
    }

    private static long micros(long nanos) {
        return Math.clamp(nanos / 1000, 0, HIGHEST_MICROS);
    }
}
