package io.sluice.services.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.Capabilities;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleRefusal;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.services.capacity.CapacityView;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.Limits;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The analyzer driven by hand: its clock, discovery, what it sends and how it writes it. */
class AnalyzerTest {
    private static final long T0 = 1_700_000_000_000L;

    private final Inventory inventory = new Inventory()
            .addBackend(new BackendProfile("b1", 10_000, 200))
            .place(new VolumePlacement(1, "b1", List.of(), 1L << 40));
    private final PolicyBook book = new PolicyBook(inventory, CapacityView.nominal(inventory));
    private final List<Long> gateways = new ArrayList<>();
    private final List<ThrottleParams> sent = new ArrayList<>();
    private final List<VolumeInterval> observed = new ArrayList<>();
    private final PerformanceAnalyzer analyzer = new PerformanceAnalyzer(
            inventory,
            book,
            1_000,
            T0,
            (gateway, sets) -> {
                gateways.add(gateway);
                sent.addAll(sets);
            },
            (now, volumes) -> observed.addAll(volumes));

    @Test
    void runsOncePerIntervalOnItsOwnClock() {
        assertThat(analyzer.doWork(T0 + 999)).isZero();
        analyzer.onStats(stats(41, 1, 500));
        assertThat(analyzer.doWork(T0 + 1_000)).isEqualTo(1);
        assertThat(analyzer.doWork(T0 + 1_500)).isZero();
        assertThat(observed).hasSize(1);
    }

    @Test
    void discoversGatewaysFromTheirStatisticsAndSetsUnplacedVolumesAside() {
        book.attach(
                Scope.volume(1),
                Sla.named("s")
                        .iopsLimit(900)
                        .weight(300)
                        .reservedIops(100)
                        .latency(new LatencyObjective(99, 5_000, 0, 10))
                        .sizeNormalization(8_192)
                        .build());
        analyzer.onStats(stats(41, 1, 300));
        analyzer.onStats(stats(42, 1, 100));
        analyzer.onStats(stats(43, 99, 100));
        analyzer.doWork(T0 + 1_000);
        assertThat(gateways).containsExactly(41L, 42L);
        assertThat(analyzer.ignoredSamples()).isEqualTo(1);
        ThrottleParams busy = analyzer.paramsOf(1, 41);
        ThrottleParams quiet = analyzer.paramsOf(1, 42);
        assertThat(busy.iopsLimit() + quiet.iopsLimit()).isBetween(900L, 902L);
        assertThat(busy.iopsLimit()).isGreaterThan(2 * quiet.iopsLimit());
        assertThat(busy.weight()).isEqualTo(300);
        assertThat(busy.latencyTargetMicros())
                .as("not announced (a gateway not heard from is assumed to enforce no latency target): left out")
                .isZero();
        assertThat(busy.sizeNormalizationBytes()).isEqualTo(8_192);
        assertThat(busy.reservedIops() + quiet.reservedIops()).isBetween(100L, 102L);
        assertThat(busy.version()).isEqualTo(T0 + 1_000);
        assertThat(analyzer.allocationOf(1)).isEqualTo(900);
    }

    @Test
    void anSlaWithPerDirectionCeilingsSendsSetsAGatewayApplies() {
        book.attach(
                Scope.volume(1),
                Sla.named("split")
                        .iops(Limits.readWrite(300, 900))
                        .bandwidth(Limits.readWrite(8L << 20, 32L << 20))
                        .reservedIops(50)
                        .build());
        analyzer.onStats(stats(41, 1, 500));
        analyzer.doWork(T0 + 1_000);
        ThrottleParams params = analyzer.paramsOf(1, 41);
        assertThat(params.iopsLimit()).as("the allocation, a total").isPositive();
        assertThat(params.readIopsLimit()).isEqualTo(300);
        assertThat(params.writeIopsLimit()).isEqualTo(900);
        assertThat(params.readBandwidthLimit()).isEqualTo(8L << 20);
        assertThat(ThrottleRefusal.of(onTheWire(params), Capabilities.SLUICE_GATEWAY))
                .as("what the gateway and the simulator would answer")
                .isNull();
    }

    @Test
    void eachGatewayGetsOnlyWhatItAnnouncedItEnforces() {
        book.attach(
                Scope.volume(1),
                Sla.named("split")
                        .iops(Limits.readWrite(300, 900))
                        .weight(5)
                        .latency(new LatencyObjective(99, 2_000, 4_000, 10))
                        .build());
        long withLatency = Capabilities.SLUICE_GATEWAY | Capabilities.LATENCY_TARGET;
        analyzer.onCapabilities(41, Capabilities.WEIGHT);
        analyzer.onCapabilities(42, withLatency);
        analyzer.onStats(stats(41, 1, 300));
        analyzer.onStats(stats(42, 1, 300));
        analyzer.doWork(T0 + 1_000);
        ThrottleParams totalsOnly = analyzer.paramsOf(1, 41);
        assertThat(totalsOnly.iopsLimit()).isPositive();
        assertThat(totalsOnly.readIopsLimit() + totalsOnly.writeIopsLimit()).isZero();
        assertThat(totalsOnly.weight()).isEqualTo(5);
        assertThat(totalsOnly.latencyTargetMicros()).isZero();
        assertThat(ThrottleRefusal.of(onTheWire(totalsOnly), Capabilities.WEIGHT))
                .isNull();
        ThrottleParams everything = analyzer.paramsOf(1, 42);
        assertThat(everything.readIopsLimit()).isPositive();
        assertThat(everything.latencyTargetMicros()).as("the tighter threshold").isEqualTo(2_000);
        assertThat(ThrottleRefusal.of(onTheWire(everything), withLatency)).isNull();
    }

    @Test
    void aGatewayThatFallsSilentStopsGettingSets() {
        for (int i = 1; i <= 6; i++) {
            analyzer.onStats(stats(41, 1, 300));
            if (i == 1) {
                analyzer.onStats(stats(42, 1, 300));
            }
            analyzer.doWork(T0 + i * 1_000L);
        }
        assertThat(analyzer.paramsOf(1, 42)).isNull();
    }

    @Test
    void aVolumeThatVanishesIsForgottenAndOneThatComesBackIsThrottledAfresh() {
        Inventory discovered = new Inventory().addBackend(new BackendProfile("b1", 10_000, 200));
        PolicyBook policies = new PolicyBook(discovered, CapacityView.nominal(discovered));
        policies.attach(Scope.volume(7), Sla.named("capped").iopsLimit(500).build());
        PerformanceAnalyzer analyzer = new PerformanceAnalyzer(
                discovered, policies, 1_000, T0, (gateway, sets) -> sent.addAll(sets), (now, volumes) -> {});
        discovered.placeDiscovered(7, "b1", 1L << 30);
        analyzer.onStats(stats(41, 7, 300));
        analyzer.doWork(T0 + 1_000);
        ThrottleParams before = analyzer.paramsOf(7, 41);
        assertThat(before.iopsLimit()).isPositive().isLessThanOrEqualTo(500);

        analyzer.forget(7, 41);
        assertThat(discovered.forgetDiscovered(7)).isTrue();
        policies.membershipChanged();
        assertThat(analyzer.volumeCount()).isZero();
        assertThat(analyzer.paramsOf(7, 41)).isNull();
        analyzer.notDelivered(41, new int[] {7});
        analyzer.doWork(T0 + 2_000);
        assertThat(analyzer.volumeCount()).isZero();

        sent.clear();
        discovered.placeDiscovered(7, "b1", 1L << 30);
        analyzer.onStats(stats(41, 7, 300));
        analyzer.doWork(T0 + 3_000);
        ThrottleParams after = analyzer.paramsOf(7, 41);
        assertThat(sent).containsExactly(after);
        assertThat(after.iopsLimit()).isPositive().isLessThanOrEqualTo(500);
        assertThat(after.version()).isGreaterThan(before.version());
    }

    /**
     * A server taking over gets the last sets its predecessor sent (from the database): a path resumes from its set,
     * sends it again at once with a higher version than it had, whatever this server's clock says, and starts its steps
     * from its limit rather than afresh.
     */
    @Test
    void aPathResumesFromTheSetAServerBeforeThisOneSent() {
        book.attach(Scope.volume(1), Sla.named("s").iopsLimit(900).build());
        long futureVersion = T0 + 3_600_000;
        ThrottleParams before = new ThrottleParams(1, futureVersion, 1, 700, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        analyzer.restoreSent(41, before);
        analyzer.onStats(stats(41, 1, 300));
        analyzer.doWork(T0 + 1_000);
        ThrottleParams resumed = analyzer.paramsOf(1, 41);
        assertThat(sent).as("sent again at once").containsExactly(resumed);
        assertThat(resumed.version())
                .as("above the predecessor's version, not the clock's")
                .isEqualTo(futureVersion + 1);

        sent.clear();
        analyzer.restoreSent(41, before.withVersion(1));
        analyzer.onStats(stats(41, 1, 300));
        analyzer.doWork(T0 + 2_000);
        assertThat(analyzer.paramsOf(1, 41).version())
                .as("a path that has sent keeps its own")
                .isGreaterThan(futureVersion);
    }

    @Test
    void throttleFramesCarryEveryParameterToTheWire() {
        ThrottleParams params = new ThrottleParams(
                1,
                77,
                300,
                900,
                600,
                500,
                100,
                1_800,
                2_000,
                8_192,
                5_000,
                100_000_000L,
                60_000_000L,
                50_000_000L,
                10_000_000L,
                200_000_000L);
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(1));
        assertThat(new ThrottleFrames().write(frame, 1, 41, 9, List.of(params)))
                .isEqualTo(ThrottleSetDescriptor.frameLength(1));
        ThrottleSetReader reader = new ThrottleSetReader().wrap(frame, 0);
        assertThat(reader.gatewayId()).isEqualTo(41);
        assertThat(reader.commandId()).isEqualTo(9);
        ThrottleParamsFlyweight read = reader.volume(0);
        assertThat(ThrottleParams.readFrom(read)).isEqualTo(params);
        assertThat(new ThrottleFrames().write(ByteBuffer.allocate(10), 1, 41, 9, List.of(params)))
                .isZero();
    }

    private static StatsReader stats(long gatewayId, int volumeId, long readOps) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(1));
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, 1, gatewayId, false, 1, 1, T0, 1_000, 1);
        writer.volume(0)
                .volumeId(volumeId)
                .ops(IoDirection.READ, readOps)
                .bytes(IoDirection.READ, readOps * 4_096)
                .latencyBucket(IoDirection.READ, 9, readOps);
        writer.commit();
        return new StatsReader().wrap(frame, 0);
    }

    /** {@code params} as a one-volume THROTTLE_SET carries them. */
    private static ThrottleParamsFlyweight onTheWire(ThrottleParams params) {
        ByteBuffer frame =
                ByteBuffer.allocate(ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VOLUME_RECORD_LENGTH);
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(frame, 1, 41, 1, 1);
        params.writeTo(writer.volume(0));
        writer.commit();
        return new ThrottleSetReader().wrap(frame, 0).volume(0);
    }
}
