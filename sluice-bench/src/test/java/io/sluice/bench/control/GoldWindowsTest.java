package io.sluice.bench.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How control-real judges gold's 1 s windows from fio's per-I/O log: windows counted from the flood's start,
 * nearest-rank p95 within the objective, and at least 95% of gold's rate completed.
 */
class GoldWindowsTest {
    private static final long OBJECTIVE_NANOS = RealTopology.GOLD_P95_MICROS * 1_000L;
    private static final int FULL_RATE = RealTopology.GOLD_IOPS;

    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();

    @Test
    void p95IsTheNearestRank() {
        List<Long> hundred = LongStream.rangeClosed(1, 100).boxed().toList();
        assertThat(GoldWindows.p95Nanos(hundred)).isEqualTo(95);
        assertThat(GoldWindows.p95Nanos(List.of(7L))).isEqualTo(7);
    }

    @Test
    void aWindowNeedsGoldsLatencyAndGoldsRate() throws IOException {
        window(0, FULL_RATE, 0, 0); // before the flood (lead 1 s): not judged
        window(1, FULL_RATE, FULL_RATE / 20, OBJECTIVE_NANOS); // 5% at the objective exactly: met
        window(2, FULL_RATE, FULL_RATE / 20 + 1, OBJECTIVE_NANOS + 1); // just over 5% slow: missed
        window(3, (int) Math.ceil(FULL_RATE * 0.95), 0, 0); // 95% of the rate, fast: met
        window(4, (int) Math.ceil(FULL_RATE * 0.95) - 1, 0, 0); // one I/O short: missed (held back, not slow)
        // window 5: nothing completed: missed
        window(6, FULL_RATE, 0, 0); // after the flood: not judged
        Files.write(dir.resolve("gold_lat.1.log"), log);

        GoldWindows judged = GoldWindows.judge(dir.resolve("gold"), 1, 5);

        assertThat(judged.missed())
                .as("windows missed, from the flood's start")
                .extracting(GoldWindows.Missed::second)
                .containsExactly(1, 3, 4);
        assertThat(judged.missed().getFirst().p95Micros()).isEqualTo(OBJECTIVE_NANOS / 1_000);
        assertThat(judged.missed().get(2).p95Micros())
                .as("an empty window has no p95")
                .isZero();
        assertThat(judged.ios())
                .as("gold's I/Os during the flood")
                .isEqualTo(FULL_RATE * 2 + (int) Math.ceil(FULL_RATE * 0.95) * 2 - 1);
    }

    /**
     * {@code ios} completions spread over second {@code second}, the first {@code slow} of them taking
     * {@code slowNanos}.
     */
    private void window(int second, int ios, int slow, long slowNanos) {
        for (int i = 0; i < ios; i++) {
            long completedMillis = second * 1_000L + i * 1_000L / ios;
            log.add(completedMillis + ", " + (i < slow ? slowNanos : 500_000) + ", " + (i % 3 == 0 ? 1 : 0)
                    + ", 4096, 0");
        }
    }
}
