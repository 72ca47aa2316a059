package io.sluice.bench.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The bisection on toy objectives with a known answer. Each toy is monotone (feasible up to a threshold, infeasible
 * past it), the assumption the search states; throughput rises with the limit, so the largest feasible limit is the
 * best one.
 */
class StaticLimitSearchTest {
    @Test
    void findsTheLargestFeasibleLimitExactlyAtResolutionOne() {
        // A toy device: latency 200 / (1 - load / 10,000) us, objective 800 us, so loads up to 7,500 are feasible.
        List<Long> tested = new ArrayList<>();
        OptionalLong best = StaticLimitSearch.largestFeasible(1, 40_000, 1, limit -> {
            tested.add(limit);
            return limit < 10_000 && 200 / (1 - limit / 10_000.0) <= 800;
        });
        assertThat(best).hasValue(7_500);
        assertThat(tested).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(2 + 16);
    }

    @Test
    void staysWithinTheResolutionBelowTheThreshold() {
        for (long threshold : new long[] {1, 2, 99, 100, 101, 5_555, 39_999}) {
            OptionalLong best = StaticLimitSearch.largestFeasible(1, 40_000, 100, limit -> limit <= threshold);
            assertThat(best).isPresent();
            assertThat(best.getAsLong()).isLessThanOrEqualTo(threshold).isGreaterThan(threshold - 100);
        }
    }

    @Test
    void answersTheTopOfTheRangeWhenEverythingIsFeasible() {
        assertThat(StaticLimitSearch.largestFeasible(1, 40_000, 10, limit -> true))
                .hasValue(40_000);
    }

    @Test
    void answersNothingWhenEvenTheLowestLimitIsInfeasible() {
        assertThat(StaticLimitSearch.largestFeasible(1, 40_000, 10, limit -> false))
                .isEmpty();
    }

    @Test
    void rejectsAnEmptyRangeAndAZeroResolution() {
        assertThatThrownBy(() -> StaticLimitSearch.largestFeasible(10, 9, 1, limit -> true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StaticLimitSearch.largestFeasible(1, 9, 0, limit -> true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
