package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The allowance the burst scenario is judged against, worked out by hand from QEMU's docs/throttle.txt. */
class BurstAllowanceTest {
    private static final BurstAllowance BENCH = new BurstAllowance(2_000, 6_000, 2);

    @Test
    void aTenthOfTheBurstGoesAtOnceThenTheBurstRate() {
        assertThat(BENCH.allowed(0)).isCloseTo(600, within(1e-9));
        assertThat(BENCH.allowed(1)).isCloseTo(6_600, within(1e-9));
    }

    @Test
    void theBurstEndsWhenTheBucketOfBurstTimesLengthIsFullWhileItLeaksAtTheRate() {
        // the bucket's level, 600 + 6,000 t poured less 2,000 t leaked, reaches 2 x 6,000 at t = 2.85 s
        assertThat(BENCH.burstEndSeconds()).isCloseTo(2.85, within(1e-9));
        assertThat(BENCH.allowed(2.85)).isCloseTo(17_700, within(1e-9));
    }

    @Test
    void afterTheBurstOnlyTheRate() {
        assertThat(BENCH.allowed(5.85) - BENCH.allowed(2.85)).isCloseTo(6_000, within(1e-9));
    }

    @Test
    void throttleTxtsOwnExampleLastsALittleOverSixtySeconds() {
        // iops-total=100, iops-total-max=2000, iops-total-max-length=60: "a bit more than 60 seconds"
        BurstAllowance doc = new BurstAllowance(100, 2_000, 60);
        assertThat(doc.burstEndSeconds()).isBetween(60.0, 63.2);
    }

    @Test
    void aOneSecondBurstGoesAllAtOnce() {
        BurstAllowance oneSecond = new BurstAllowance(2_000, 6_000, 1);
        assertThat(oneSecond.allowed(0)).isCloseTo(6_000, within(1e-9));
        assertThat(oneSecond.allowed(1)).isCloseTo(8_000, within(1e-9));
    }

    @Test
    void aBurstBelowTheRateIsRefused() {
        assertThatThrownBy(() -> new BurstAllowance(2_000, 1_000, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
