package io.sluice.bench.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gold during one control-real flood, judged from fio's per-I/O log: the 1 s windows it missed and the I/Os it
 * completed. A window is met when gold's p95 (nearest rank) is within its objective and gold completed at least
 * {@link #GOLD_RATE_SHARE} of its rate in it: gold keeps at most 8 I/Os in flight, so an array that serves it too
 * slowly shows up as I/Os never issued rather than as latency.
 */
record GoldWindows(List<Missed> missed, int ios) {
    /** The share of its rate gold must complete in a window for the window to count as met. */
    static final double GOLD_RATE_SHARE = 0.95;

    /**
     * A window gold missed: its second from the flood's start, gold's I/Os completed in it and their p95 (0 if none).
     */
    record Missed(int second, int ios, long p95Micros) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d (%d I/Os, p95 %.1f ms)", second, ios, p95Micros / 1000.0);
        }
    }

    /**
     * Gold's windows during the flood, from fio's per-I/O log (completion time in ms from fio's start, latency in ns):
     * the flood starts {@code lead} seconds into the log and lasts {@code flood}.
     */
    static GoldWindows judge(Path logPrefix, int lead, int flood) throws IOException {
        List<List<Long>> windows = new ArrayList<>();
        for (int i = 0; i < flood; i++) {
            windows.add(new ArrayList<>());
        }
        for (String line : Files.readAllLines(Path.of(logPrefix + "_lat.1.log"))) {
            String[] fields = line.split(",");
            long window = Long.parseLong(fields[0].strip()) / 1000 - lead;
            if (window >= 0 && window < flood) {
                windows.get((int) window).add(Long.parseLong(fields[1].strip()));
            }
        }
        List<Missed> missed = new ArrayList<>();
        int ios = 0;
        for (int i = 0; i < flood; i++) {
            List<Long> window = windows.get(i);
            ios += window.size();
            long p95 = window.isEmpty() ? 0 : p95Nanos(window);
            if (window.size() < GOLD_RATE_SHARE * RealTopology.GOLD_IOPS
                    || p95 > RealTopology.GOLD_P95_MICROS * 1_000L) {
                missed.add(new Missed(i, window.size(), p95 / 1_000));
            }
        }
        return new GoldWindows(missed, ios);
    }

    /** The 95th percentile by the nearest-rank method. */
    static long p95Nanos(List<Long> latencies) {
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
    }
}
