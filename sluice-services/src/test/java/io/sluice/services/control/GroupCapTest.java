package io.sluice.services.control;

import static io.sluice.services.control.ControlFigures.meanDelivered;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend.SimVolume;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A group SLA's limit holds the sum over the group's volumes, not each volume on its own. */
class GroupCapTest {
    @Test
    void aTenantsLimitCapsTheSumOverItsVolumesAndTheMostStringentCapWins() {
        ControlHarness loop = new ControlHarness(10_000, 200, 10_000, 4);
        Scope payments = Scope.tenant("payments");
        Scope pool = Scope.pool("fast");
        SimVolume a = member(loop, 1, 11, List.of(payments), 4_000);
        SimVolume b = member(loop, 2, 12, List.of(payments, pool), 4_000);
        SimVolume outsider = member(loop, 3, 13, List.of(), 4_000);
        loop.book.attach(payments, Sla.named("tenant-cap").iopsLimit(3_000).build());
        loop.run(40);
        double members = meanDelivered(a, 20, 40) + meanDelivered(b, 20, 40);
        System.out.printf(
                "tenant cap 3000: members %.0f + %.0f, outsider %.0f%n",
                meanDelivered(a, 20, 40), meanDelivered(b, 20, 40), meanDelivered(outsider, 20, 40));
        assertThat(members).isBetween(0.9 * 3_000, 1.05 * 3_000);
        assertThat(meanDelivered(a, 20, 40) / meanDelivered(b, 20, 40)).isBetween(0.9, 1.1);
        assertThat(meanDelivered(outsider, 20, 40)).isGreaterThan(3_500);

        // A stricter pool cap on one member wins over the tenant's share.
        loop.book.attach(pool, Sla.named("pool-cap").iopsLimit(500).build());
        loop.run(30);
        System.out.printf(
                "pool cap 500 on volume 2: %.0f; volume 1 %.0f%n", meanDelivered(b, 60, 70), meanDelivered(a, 60, 70));
        assertThat(meanDelivered(b, 60, 70)).isLessThanOrEqualTo(1.05 * 500);
        assertThat(meanDelivered(a, 60, 70)).isGreaterThan(2_000).isLessThanOrEqualTo(1.05 * 3_000);
    }

    @Test
    void aGroupsBandwidthLimitIsDividedAmongItsVolumesByTheirDemand() {
        ControlHarness loop = new ControlHarness(20_000, 200, 20_000, 5);
        Scope tenant = Scope.tenant("backup");
        member(loop, 1, 11, List.of(tenant), 4_000);
        member(loop, 2, 12, List.of(tenant), 1_000);
        member(loop, 3, 13, List.of(), 4_000);
        long cap = 20_000_000;
        loop.book.attach(
                tenant, Sla.named("tenant-bandwidth").bandwidthLimit(cap).build());
        loop.run(10);
        long busy = loop.analyzer.paramsOf(1, 11).bandwidthLimit();
        long light = loop.analyzer.paramsOf(2, 12).bandwidthLimit();
        System.out.printf(
                "tenant bandwidth cap %d B/s: busy volume %d, light volume %d, outsider %d%n",
                cap, busy, light, loop.analyzer.paramsOf(3, 13).bandwidthLimit());
        // 4 KiB I/Os: the light volume wants about 4.1 MB/s and keeps that; the busy one gets the rest.
        assertThat(busy + light).isLessThanOrEqualTo(cap + 2);
        assertThat(light).isBetween(4_000_000L, 6_000_000L);
        assertThat(busy).isGreaterThan(cap / 2);
        assertThat(loop.analyzer.paramsOf(3, 13).bandwidthLimit()).isZero();
    }

    private static SimVolume member(
            ControlHarness loop, int volumeId, long gatewayId, List<Scope> groups, double demand) {
        loop.inventory.place(new VolumePlacement(volumeId, ControlHarness.BACKEND, groups, 1L << 40));
        return loop.backend.addVolume(volumeId, gatewayId).demand(demand);
    }
}
