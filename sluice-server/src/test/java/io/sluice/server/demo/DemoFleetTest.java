package io.sluice.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DemoFleetTest {
    @Test
    void twoVolumesAreGoldAndBronzeAlone() {
        DemoFleet fleet = DemoFleet.of(2);
        assertThat(fleet.size()).isZero();
        assertThat(fleet.approvedGateways()).isEmpty();
        assertThat(fleet.slas()).isEmpty();
        assertThat(fleet.roles(7070, Path.of("secret"), Path.of("pki"), List.of()))
                .isEmpty();
    }

    @Test
    void everySizeGetsDistinctIdsClearOfGoldAndBronze() {
        for (int volumes : new int[] {3, 65, 66, 130, 131, 1_000, 3_999, DemoFleet.MAX_VOLUMES}) {
            DemoFleet fleet = DemoFleet.of(volumes);
            List<Integer> ids = fleet.volumeIds();
            Set<Integer> distinct = new HashSet<>(ids);
            assertThat(ids).as("%d volumes", volumes).hasSize(volumes - 2);
            assertThat(distinct)
                    .as("%d volumes", volumes)
                    .hasSize(volumes - 2)
                    .doesNotContain(1, DemoPlan.BRONZE_VOLUME_ID);
            assertThat(fleet.size()).isEqualTo(volumes - 2);
        }
    }

    @Test
    void theRemainderRunsOnItsOwnApprovedGateway() {
        DemoFleet fleet = DemoFleet.of(2 + 2 * DemoFleet.VOLUMES_PER_GATEWAY + 2);
        assertThat(fleet.gateways()).isEqualTo(3);
        assertThat(fleet.approvedGateways()).hasSize(2).first().isEqualTo("101-102");
        assertThat(fleet.roles(7070, Path.of("secret"), Path.of("pki"), List.of()))
                .extracting(role -> role.name())
                .containsExactly("sim-gateways", "sim-remainder");
        assertThat(fleet.roles(7070, Path.of("secret"), Path.of("pki"), List.of()))
                .allSatisfy(role -> assertThat(String.join(" ", role.command()))
                        .as("simulated gateways get certificates")
                        .contains("--pki-dir pki"));
    }

    @Test
    void someSimulatedVolumesAreManaged() {
        assertThat(DemoFleet.of(130).slas())
                .extracting(sla -> sla.path("name").asText())
                .containsExactly("silver", "archive");
    }

    @Test
    void outOfRangeIsRefused() {
        assertThatThrownBy(() -> DemoFleet.of(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2..4000");
        assertThatThrownBy(() -> DemoFleet.of(DemoFleet.MAX_VOLUMES + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
