package io.sluice.gateway.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LeakyBucketTest {
    private static final long MS = 1_000_000;

    /** Admits I/Os of one unit whenever the bucket allows, in 1 ms steps; returns admissions per step. */
    private static int[] run(BucketLimit limit, int steps) {
        LeakyBucket bucket = new LeakyBucket();
        int[] admitted = new int[steps];
        for (int step = 0; step < steps; step++) {
            if (step > 0) {
                bucket.leak(limit, MS);
            }
            while (bucket.waitNanos(limit) == 0) {
                bucket.pour(limit, 1);
                admitted[step]++;
            }
        }
        return admitted;
    }

    private static int sum(int[] counts, int from, int to) {
        int total = 0;
        for (int i = from; i < to; i++) {
            total += counts[i];
        }
        return total;
    }

    @Test
    void withoutBurstATenthOfASecondGoesAtOnceThenTheRate() {
        LeakyBucket bucket = new LeakyBucket();
        BucketLimit limit = BucketLimit.of(1000);
        for (int i = 0; i < 101; i++) {
            assertThat(bucket.waitNanos(limit)).isZero();
            bucket.pour(limit, 1);
        }
        // One unit over the 100-unit bucket: 1 ms at 1,000 per second.
        assertThat(bucket.waitNanos(limit)).isEqualTo(MS);
        bucket.leak(limit, MS / 2);
        assertThat(bucket.waitNanos(limit)).isEqualTo(MS / 2);
        bucket.leak(limit, MS / 2);
        assertThat(bucket.waitNanos(limit)).isZero();

        int[] admitted = run(limit, 2000);
        assertThat(admitted[0]).isEqualTo(101);
        assertThat(sum(admitted, 1, 2000)).isEqualTo(1999);
    }

    @Test
    void aBurstRunsAtTheBurstRateForItsLengthThenFallsToTheRate() {
        // 100/s sustained; 1,000/s for 2 s.
        BucketLimit limit = new BucketLimit(100, 1000, 2);
        int[] admitted = run(limit, 20_000);
        // A tenth of the burst rate at once, then one per ms (the burst rate).
        assertThat(admitted[0]).isEqualTo(101);
        assertThat(sum(admitted, 1, 1000)).isEqualTo(999);
        // The 2,000-unit bucket fills after about 2.2 s at the burst rate (it leaks 100/s meanwhile).
        assertThat(sum(admitted, 0, 2000)).isEqualTo(2100);
        assertThat(sum(admitted, 0, 3000)).isBetween(2290, 2310);
        // Then the sustained rate.
        assertThat(sum(admitted, 10_000, 20_000)).isEqualTo(1000);
    }

    @Test
    void anIoBiggerThanTheBucketOverfillsItAndIsPaidBackInWaiting() {
        LeakyBucket bucket = new LeakyBucket();
        BucketLimit bytesPerSecond = BucketLimit.of(1 << 20);
        assertThat(bucket.waitNanos(bytesPerSecond)).isZero();
        bucket.pour(bytesPerSecond, 4 << 20);
        // 4 MiB poured into a 0.1 MiB bucket at 1 MiB/s: 3.9 s of waiting.
        assertThat(bucket.waitNanos(bytesPerSecond)).isEqualTo(3_900_000_000L);
    }

    @Test
    void noRateMeansNoLimit() {
        LeakyBucket bucket = new LeakyBucket();
        bucket.pour(BucketLimit.NONE, 1e9);
        assertThat(bucket.waitNanos(BucketLimit.NONE)).isZero();
        // Nothing was poured while unlimited, so a limit set later starts from an empty bucket.
        assertThat(bucket.waitNanos(BucketLimit.of(10))).isZero();
    }

    @Test
    void inconsistentLimitsAreRejected() {
        assertThatThrownBy(() -> new BucketLimit(100, 50, 1)).hasMessageContaining("burst");
        assertThatThrownBy(() -> new BucketLimit(0, 50, 1)).hasMessageContaining("needs a rate");
        assertThatThrownBy(() -> new BucketLimit(100, 0, 5)).hasMessageContaining("burstSeconds");
        assertThatThrownBy(() -> new BucketLimit(-1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
