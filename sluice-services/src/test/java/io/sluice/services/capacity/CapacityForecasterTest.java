package io.sluice.services.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.services.compliance.Severity;
import org.junit.jupiter.api.Test;

class CapacityForecasterTest {
    private static final long GIB = 1L << 30;
    private static final long DAY = 86_400_000L;

    @Test
    void steadyGrowthGivesTheDayTheBackendFillsUp() {
        CapacityForecaster forecaster = new CapacityForecaster(100, 0);
        for (int day = 0; day <= 10; day++) {
            forecaster.observe("a", day * DAY, 400 * GIB + day * 10 * GIB, 1024 * GIB);
        }
        CapacityForecaster.Forecast f = forecaster.forecast("a");
        assertThat(f.growthBytesPerDay()).isCloseTo(10.0 * GIB, within(1.0));
        // 500 GiB used of 1 TiB, growing 10 GiB a day: 52.4 days left.
        assertThat(f.daysUntilFull()).isCloseTo(52.4, within(0.01));
        assertThat(CapacityForecaster.severity(f, 7, 30)).isNull();
        assertThat(CapacityForecaster.severity(f, 7, 60)).isEqualTo(Severity.WARNING);
        assertThat(CapacityForecaster.severity(f, 60, 90)).isEqualTo(Severity.CRITICAL);
    }

    @Test
    void flatOrShrinkingUseHasNoDateAndAFullBackendHasNone() {
        CapacityForecaster forecaster = new CapacityForecaster(10, 0);
        forecaster.observe("flat", 0, 100, 1_000);
        forecaster.observe("flat", DAY, 100, 1_000);
        assertThat(forecaster.forecast("flat").daysUntilFull()).isInfinite();
        forecaster.observe("shrinking", 0, 500, 1_000);
        forecaster.observe("shrinking", DAY, 300, 1_000);
        assertThat(forecaster.forecast("shrinking").isGrowing()).isFalse();
        assertThat(CapacityForecaster.severity(forecaster.forecast("shrinking"), 7, 30))
                .isNull();
        forecaster.observe("full", 0, 1_000, 1_000);
        assertThat(forecaster.forecast("full").daysUntilFull()).isZero();
        assertThat(CapacityForecaster.severity(forecaster.forecast("full"), 7, 30))
                .isEqualTo(Severity.CRITICAL);
        assertThat(forecaster.forecast("unknown")).isNull();
    }

    @Test
    void theWindowFollowsAChangeOfPaceAndCloseSamplesAreMerged() {
        CapacityForecaster forecaster = new CapacityForecaster(5, 60_000);
        long used = 0;
        for (int day = 0; day < 5; day++) {
            forecaster.observe("a", day * DAY, used += GIB, 1_000 * GIB);
        }
        assertThat(forecaster.forecast("a").growthBytesPerDay()).isCloseTo(GIB, within(1.0));
        for (int day = 5; day < 10; day++) {
            forecaster.observe("a", day * DAY, used += 4 * GIB, 1_000 * GIB);
            // A second report within the thinning interval replaces the sample, not adds one.
            forecaster.observe("a", day * DAY + 1_000, used, 1_000 * GIB);
        }
        CapacityForecaster.Forecast f = forecaster.forecast("a");
        assertThat(f.samples()).isEqualTo(5);
        assertThat(f.growthBytesPerDay()).isCloseTo(4.0 * GIB, within(1.0));
        assertThat(f.usedBytes()).isEqualTo(used);
    }
}
