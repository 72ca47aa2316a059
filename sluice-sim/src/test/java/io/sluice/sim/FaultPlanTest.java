package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    @Test
    void fractionsBecomeWholeGatewaysChosenTheSameWayForTheSameSeed() {
        FaultPlan plan = FaultPlan.parse("slow=0.01,silent=0.02,malformed=0.005,disconnect=0.01,wrong-key=0.001");
        FaultMode[] modes = plan.assign(1_000, 42);
        assertThat(count(modes, FaultMode.SLOW)).isEqualTo(10);
        assertThat(count(modes, FaultMode.SILENT)).isEqualTo(20);
        assertThat(count(modes, FaultMode.MALFORMED)).isEqualTo(5);
        assertThat(count(modes, FaultMode.DISCONNECT)).isEqualTo(10);
        assertThat(count(modes, FaultMode.WRONG_KEY)).isEqualTo(1);
        assertThat(count(modes, FaultMode.NONE)).isEqualTo(954);
        assertThat(plan.assign(1_000, 42)).containsExactly(modes);
        assertThat(plan.assign(1_000, 43)).isNotEqualTo(modes);
    }

    @Test
    void pinnedGatewaysKeepTheirModeAndAreNotCountedTwice() {
        FaultPlan plan = FaultPlan.none().withFraction(FaultMode.SILENT, 0.5).withGateway(3, FaultMode.SLOW);
        FaultMode[] modes = plan.assign(10, 1);
        assertThat(modes[3]).isEqualTo(FaultMode.SLOW);
        assertThat(count(modes, FaultMode.SILENT)).isEqualTo(5);
        assertThat(count(modes, FaultMode.NONE)).isEqualTo(4);
        assertThat(FaultPlan.none().assign(5, 1)).containsOnly(FaultMode.NONE);
    }

    @Test
    void refusesWhatCannotBeMeant() {
        assertThatThrownBy(() -> FaultPlan.parse("sluggish=0.1")).hasMessageContaining("unknown fault mode");
        assertThatThrownBy(() -> FaultPlan.parse("slow")).hasMessageContaining("MODE=FRACTION");
        assertThatThrownBy(() -> FaultPlan.parse("slow=x")).hasMessageContaining("not a fraction");
        assertThatThrownBy(() -> FaultPlan.parse("slow=1.5")).hasMessageContaining("0..1");
        assertThatThrownBy(() -> FaultPlan.parse("slow=0.6,silent=0.6")).hasMessageContaining("more than 1");
        assertThatThrownBy(
                        () -> FaultPlan.none().withGateway(10, FaultMode.SLOW).assign(10, 1))
                .hasMessageContaining("only 10");
    }

    private static long count(FaultMode[] modes, FaultMode mode) {
        return Arrays.stream(modes).filter(m -> m == mode).count();
    }
}
