package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.ManualEpochClock;
import org.junit.jupiter.api.Test;

/**
 * The thread-pair count against a manual clock: the formula, a robust Tptmax from both directions, growth beyond the
 * cores up to the ceiling, shrinking with hysteresis, and one outlier changing nothing.
 */
class ThreadPairSizingTest {
    private static final long INTERVAL = 2_000;
    private final ManualEpochClock clock = new ManualEpochClock(1_700_000_000_000L);

    @Test
    void theFormulaIsRoundupOfGatewaysOverGatewaysPerQuantum() {
        // Tthr 10 ms, Tptmax 200 us: 50 gateways a quantum.
        assertThat(ThreadPairSizing.pairs(50, 10, 200)).isEqualTo(1);
        assertThat(ThreadPairSizing.pairs(51, 10, 200)).isEqualTo(2);
        assertThat(ThreadPairSizing.pairs(1_000, 10, 200)).isEqualTo(20);
        assertThat(ThreadPairSizing.pairs(1_000, 10, 100)).isEqualTo(10);
        assertThat(ThreadPairSizing.pairs(0, 10, 200)).isEqualTo(1);
        // Slower than a quantum: still one gateway per pair and quantum, not a fraction.
        assertThat(ThreadPairSizing.pairs(3, 10, 50_000)).isEqualTo(3);
    }

    @Test
    void bucketsAreExactBelowAMillisecondAndErOnTheSlowSideAbove() {
        for (long micros : new long[] {0, 1, 15, 200, 1_023}) {
            assertThat(ProcessingTimes.upperMicros(ProcessingTimes.bucketOf(micros)))
                    .isEqualTo(micros);
        }
        for (long micros : new long[] {1_024, 1_025, 5_000, 123_456, 1L << 29, (1L << 31) - 1}) {
            assertThat(ProcessingTimes.upperMicros(ProcessingTimes.bucketOf(micros)))
                    .isGreaterThan(micros)
                    .isLessThanOrEqualTo(micros + micros / 64 + 1);
        }
        assertThat(ProcessingTimes.bucketOf(Long.MAX_VALUE / 1_000)).isEqualTo(ProcessingTimes.BUCKETS - 1);
    }

    @Test
    void pairsGrowBeyondTheCoresUpToTheCeilingOnceTheFormulaAsksLongEnough() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(8), 1);
        // 200 gateways at 500 us on the inbound side: 20 a quantum, so 10 pairs wanted; the ceiling is 8.
        assertThat(step(sizing, 200, 500, 20)).as("asked once: not yet").isEqualTo(1);
        assertThat(sizing.formulaPairs()).isEqualTo(10);
        assertThat(sizing.tptMaxMicros()).isEqualTo(500);
        assertThat(step(sizing, 200, 500, 20)).as("asked for the grow delay").isEqualTo(8);
        assertThat(step(sizing, 200, 500, 20)).isEqualTo(8);
    }

    @Test
    void theSlowerDirectionDecides() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(16), 1);
        // Reading takes 20 us, writing 1 ms: 10 gateways a quantum for the outbound thread, so 4 pairs for 40.
        step(sizing, 40, 20, 1_000);
        assertThat(step(sizing, 40, 20, 1_000)).isEqualTo(4);
        assertThat(sizing.tptMaxMicros()).isEqualTo(1_000);
    }

    @Test
    void oneOutlierDoesNotAddAPair() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(16), 1);
        for (int i = 0; i < 10; i++) {
            sizing.beginInterval();
            fill(sizing.inboundInterval(), 30, 50);
            fill(sizing.outboundInterval(), 30, 50);
            if (i == 3) {
                // A 200 ms collection pause during one gateway's pass.
                fill(sizing.inboundInterval(), 1, 200_000);
            }
            clock.advance(INTERVAL);
            assertThat(sizing.decide(clock.epochMillis(), 30)).isEqualTo(1);
        }
        assertThat(sizing.tptMaxMicros()).isLessThan(100);
    }

    @Test
    void tooFewPassesDecideNothing() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(16), 3);
        sizing.beginInterval();
        fill(sizing.inboundInterval(), 5, 10);
        clock.advance(60_000);
        assertThat(sizing.decide(clock.epochMillis(), 5)).isEqualTo(3);
    }

    @Test
    void pairsShrinkOneAtATimeOnlyAfterTheLoadStaysLowWithHeadroom() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(16), 4);
        // 4 pairs; the load falls to 70 gateways at 200 us (50 a quantum): 2 pairs suffice, even for 25% more.
        long start = clock.epochMillis();
        while (clock.epochMillis() - start < 30_000) {
            assertThat(step(sizing, 70, 200, 200)).as("before the shrink delay").isEqualTo(4);
        }
        assertThat(step(sizing, 70, 200, 200)).isEqualTo(3);
        long shrunkAt = clock.epochMillis();
        // The next pair waits for another full stretch of the lighter load, counted from the shrink.
        while (clock.epochMillis() + INTERVAL - shrunkAt < 30_000) {
            assertThat(step(sizing, 70, 200, 200)).isEqualTo(3);
        }
        assertThat(step(sizing, 70, 200, 200)).isEqualTo(2);
        // 2 is what the formula asks: no further.
        for (int i = 0; i < 40; i++) {
            assertThat(step(sizing, 70, 200, 200)).isEqualTo(2);
        }
    }

    @Test
    void aLoadHoveringAtABoundaryNeitherGrowsNorShrinksThePairs() {
        ThreadPairSizing sizing = new ThreadPairSizing(ThreadPairSizing.Settings.defaults(16), 2);
        // 90 to 95 gateways at 200 us want 2 pairs (50 a quantum): 2 stay.
        for (int i = 0; i < 60; i++) {
            int gateways = i % 2 == 0 ? 90 : 95;
            assertThat(step(sizing, gateways, 200, 200)).isEqualTo(2);
        }
        // 45 gateways want 1 pair, but 25% more (57) would want 2: still no shrink, however long.
        for (int i = 0; i < 60; i++) {
            assertThat(step(sizing, 45, 200, 200)).isEqualTo(2);
        }
        // A brief rise past 100 (one interval asking for 3) is not followed either.
        assertThat(step(sizing, 101, 200, 200)).isEqualTo(2);
        assertThat(step(sizing, 90, 200, 200)).isEqualTo(2);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new ThreadPairSizing.Settings(10, 0.99, 5, 20, 4, 2, 0, 0, 0.25))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ThreadPairSizing.Settings(10, 1.5, 5, 20, 1, 2, 0, 0, 0.25))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** One sizing interval: each gateway served once per direction at the given times; the decision after it. */
    private int step(ThreadPairSizing sizing, int gateways, long inboundMicros, long outboundMicros) {
        sizing.beginInterval();
        fill(sizing.inboundInterval(), gateways, inboundMicros);
        fill(sizing.outboundInterval(), gateways, outboundMicros);
        clock.advance(INTERVAL);
        return sizing.decide(clock.epochMillis(), gateways);
    }

    private static void fill(long[] interval, int passes, long micros) {
        interval[ProcessingTimes.bucketOf(micros)] += passes;
    }
}
