package io.sluice.services.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.StatsWriter;
import io.sluice.services.capacity.CapacityView;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An operator's throttle against the analyzer, on the analyzer's own clock turned by hand: while it is in force the
 * volume's gateways get exactly it (split by demand), whatever the SLA and the load say; at its expiry the analyzer
 * takes the volume back in bounded steps.
 */
class ManualThrottleTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long SECOND = 1_000;

    private final Inventory inventory = new Inventory()
            .addBackend(new BackendProfile("b1", 10_000, 200))
            .place(new VolumePlacement(1, "b1", List.of(), 1L << 40))
            .place(new VolumePlacement(2, "b1", List.of(), 1L << 40));
    private final PolicyBook book = new PolicyBook(inventory, CapacityView.nominal(inventory));
    private final ManualThrottles manual = new ManualThrottles();
    private final List<ThrottleParams> sent = new ArrayList<>();
    private final PerformanceAnalyzer analyzer = new PerformanceAnalyzer(
            inventory,
            book,
            SECOND,
            T0,
            (gateway, sets) -> sent.addAll(sets),
            (now, volumes) -> {},
            PolicyRules.none(),
            manual);

    @Test
    void theThrottleIsSentAsItIsWhileInForceAndTheAnalyzerTakesOverAtItsExpiry() {
        book.attach(
                Scope.volume(1),
                Sla.named("gold")
                        .iopsLimit(5_000)
                        .reservedIops(1_000)
                        .weight(300)
                        .sizeNormalization(8_192)
                        .build());
        interval(1, 2_000);
        ThrottleParams analyzed = analyzer.paramsOf(1, 41);
        assertThat(analyzed.iopsLimit()).isGreaterThan(300);
        assertThat(analyzed.reservedIops()).isEqualTo(1_000);

        long expiresAt = T0 + 5 * SECOND + SECOND / 2;
        manual.put(new ManualThrottle(7, 1, 300, 4_000_000, "user:op", T0 + SECOND, expiresAt, "noisy"), T0 + SECOND);
        sent.clear();
        interval(2, 2_000);
        ThrottleParams held = analyzer.paramsOf(1, 41);
        assertThat(sentFor(1)).as("sent at once, not stepped toward").containsExactly(held);
        assertThat(held.iopsLimit()).isEqualTo(300);
        assertThat(held.bandwidthLimit()).isEqualTo(4_000_000);
        assertThat(held.reservedIops())
                .as("no reservation above a manual ceiling")
                .isZero();
        assertThat(held.burstIops()).isZero();
        assertThat(held.weight()).as("the SLA's scheduling kept").isEqualTo(300);
        assertThat(held.sizeNormalizationBytes()).isEqualTo(8_192);
        assertThat(analyzer.manualOf(1).id()).isEqualTo(7);
        assertThat(analyzer.limitOf(1)).isEqualTo(300);

        sent.clear();
        interval(3, 300);
        interval(4, 300);
        assertThat(sentFor(1))
                .as("held at its limit with I/O waiting: the analyzer would probe higher, the throttle stands")
                .isEmpty();
        assertThat(analyzer.paramsOf(1, 41).iopsLimit()).isEqualTo(300);

        analyzer.notDelivered(41, new int[] {1});
        interval(5, 300);
        assertThat(sentFor(1))
                .as("a set that did not arrive goes again, unchanged")
                .hasSize(1);
        assertThat(sentFor(1).getFirst().sameSettings(held)).isTrue();

        sent.clear();
        interval(6, 300);
        assertThat(analyzer.manualOf(1)).as("expired at " + expiresAt).isNull();
        ThrottleParams back = analyzer.paramsOf(1, 41);
        assertThat(back.reservedIops())
                .as("the analyzer's own parameters again")
                .isEqualTo(1_000);
        assertThat(back.iopsLimit()).isGreaterThan(300);
        assertThat(manual.all(T0 + 6 * SECOND)).isEmpty();
    }

    @Test
    void aThrottleOnOneVolumeLeavesTheOthersToTheAnalyzerAndACancelEndsItAtTheNextInterval() {
        manual.put(new ManualThrottle(8, 2, 0, 1_000_000, "user:op", T0, T0 + 3_600 * SECOND, ""), T0);
        interval(1, 500);
        assertThat(analyzer.manualOf(1)).isNull();
        assertThat(analyzer.paramsOf(2, 41).iopsLimit())
                .as("bandwidth alone: no IOPS ceiling")
                .isZero();
        assertThat(analyzer.paramsOf(2, 41).bandwidthLimit()).isEqualTo(1_000_000);
        assertThat(analyzer.paramsOf(1, 41).bandwidthLimit()).isZero();

        assertThat(manual.cancel(2, 9)).as("another throttle's id").isFalse();
        assertThat(manual.cancel(2, 8)).isTrue();
        interval(2, 500);
        assertThat(analyzer.manualOf(2)).isNull();
        assertThat(analyzer.paramsOf(2, 41).bandwidthLimit()).isZero();
        assertThat(analyzer.paramsOf(2, 41).iopsLimit()).isPositive();
    }

    @Test
    void anExpiredThrottleIsNeverPutInForce() {
        manual.put(new ManualThrottle(9, 1, 10, 0, "user:op", T0, T0 + SECOND, ""), T0 + SECOND);
        assertThat(manual.isEmpty()).isTrue();
    }

    private List<ThrottleParams> sentFor(int volumeId) {
        return sent.stream().filter(set -> set.volumeId() == volumeId).toList();
    }

    /** One interval in which gateway 41 reports {@code ops} on both volumes, held back when limited. */
    private void interval(int n, long ops) {
        analyzer.onStats(stats(41, 1, ops));
        analyzer.onStats(stats(41, 2, ops));
        analyzer.doWork(T0 + n * SECOND);
    }

    private static StatsReader stats(long gatewayId, int volumeId, long readOps) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(1));
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, 1, gatewayId, false, 1, 1, T0, 1_000, 1);
        writer.volume(0)
                .volumeId(volumeId)
                .ops(IoDirection.READ, readOps)
                .bytes(IoDirection.READ, readOps * 4_096)
                .latencyBucket(IoDirection.READ, 9, readOps)
                .throttledOps(IoDirection.READ, readOps / 10)
                .queueDepth(8);
        writer.commit();
        return new StatsReader().wrap(frame, 0);
    }
}
