package io.sluice.gateway.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ThrottleTest {
    @Test
    void readAndWriteLimitsAreSeparateAndTotalLimitsCoverBoth() {
        QosParameters perDirection = QosParameters.builder()
                .readIops(BucketLimit.of(10))
                .writeIops(BucketLimit.of(1000))
                .build();
        Throttle throttle = new Throttle(0);
        throttle.account(perDirection, false, 4096, 2);
        // Two reads overfill the 1-unit read bucket by one: 0.1 s at 10/s; writes are not affected.
        assertThat(throttle.waitNanos(perDirection, false)).isEqualTo(100_000_000L);
        assertThat(throttle.waitNanos(perDirection, true)).isZero();

        QosParameters total = QosParameters.iopsLimit(10);
        throttle = new Throttle(0);
        throttle.account(total, true, 4096, 2);
        assertThat(throttle.waitNanos(total, false)).isEqualTo(100_000_000L);
        throttle.leak(total, 50_000_000L);
        assertThat(throttle.waitNanos(total, true)).isEqualTo(50_000_000L);
    }

    @Test
    void sizeNormalizationCountsBigIosAsSeveral() {
        QosParameters p = QosParameters.iopsLimit(100).withIoSize(4096);
        assertThat(p.units(512)).isEqualTo(1.0);
        assertThat(p.units(4096)).isEqualTo(1.0);
        assertThat(p.units(65536)).isEqualTo(16.0);
        assertThat(p.units(6144)).isEqualTo(1.5);
        assertThat(QosParameters.iopsLimit(100).units(1 << 20)).isEqualTo(1.0);
    }

    @Test
    void bandwidthIsCountedInBytes() {
        QosParameters p =
                QosParameters.builder().bandwidth(BucketLimit.of(1 << 20)).build();
        Throttle throttle = new Throttle(0);
        throttle.account(p, true, (1 << 20) / 10 + 1024, 1);
        // 1,023.4 bytes over the 104,857.6-byte bucket (0.1 s at 1 MiB/s).
        assertThat(throttle.waitNanos(p, true)).isEqualTo((long) Math.ceil(1023.4e9 / (1 << 20)));
    }

    @Test
    void aTotalLimitAndPerDirectionLimitsTogetherEachHoldAndTheLongerWaitWins() {
        QosParameters both = QosParameters.builder()
                .iops(BucketLimit.of(100))
                .readIops(BucketLimit.of(10))
                .build();
        Throttle throttle = new Throttle(0);
        throttle.account(both, false, 4096, 2);
        // Two reads: one unit over the read bucket (1 unit, 0.1 s at 10/s), well inside the total's (10 units).
        assertThat(throttle.waitNanos(both, false)).isEqualTo(100_000_000L);
        assertThat(throttle.waitNanos(both, true))
                .as("writes have only the total")
                .isZero();
        throttle.account(both, true, 4096, 13);
        // The writes fill the total: 15 units, 5 over its bucket at 100/s (50 ms); reads still wait on their own.
        assertThat(throttle.waitNanos(both, true)).isEqualTo(50_000_000L);
        assertThat(throttle.waitNanos(both, false)).isEqualTo(100_000_000L);
        throttle.leak(both, 60_000_000L);
        // After 60 ms the total has room (15 - 6 = 9 units) but the read bucket not yet (2 - 0.6 = 1.4 units).
        assertThat(throttle.waitNanos(both, true)).isZero();
        assertThat(throttle.waitNanos(both, false)).isCloseTo(40_000_000L, within(2L));
    }

    @Test
    void invalidSharesAndDelaysAreRefused() {
        assertThatThrownBy(() ->
                        QosParameters.iopsLimit(10).withIops(BucketLimit.of(10)).withShares(0, 0))
                .hasMessageContaining("weight");
        assertThatThrownBy(() -> QosParameters.UNLIMITED.withMaxDelayNanos(60_000_000_000L))
                .hasMessageContaining("maxDelay");
    }
}
