package io.sluice.services.control;

import static io.sluice.services.control.ControlFigures.meanDelivered;
import static io.sluice.services.control.ControlFigures.reservationAttainment;
import static io.sluice.services.control.ControlFigures.settlingIntervals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.sla.CapacityScaling;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Sla;
import io.sluice.services.sla.SlaRejectedException;
import io.sluice.services.sla.SlaRule;
import io.sluice.sim.storage.SimulatedBackend;
import io.sluice.sim.storage.SimulatedBackend.SimVolume;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The analyzer in closed loop with a simulated backend (10,000 IOPS, 200 us idle latency), one poll interval per step.
 * Each test prints the figure it asserts on.
 */
class AnalyzerControlTest {
    private static final double CAPACITY = 10_000;
    private static final long BASE_MICROS = 200;
    private static final LatencyObjective GOLD_LATENCY = new LatencyObjective(95, 2_000, 2_000, 10);

    private ControlHarness loop = harness(42);

    /** The scenarios whose figures judge the control targets run with ten seeds of the workload jitter. */
    static LongStream seeds() {
        return LongStream.rangeClosed(1, 10);
    }

    private static ControlHarness harness(long seed) {
        return new ControlHarness(CAPACITY, BASE_MICROS, (long) CAPACITY, seed);
    }

    /**
     * Gold (wanting 1,500 IOPS, under {@code goldSla}) beside bronze (wanting 2,000, best effort) on the one backend.
     */
    private GoldAndBronze goldBesideBronze(Sla goldSla) {
        SimVolume gold = loop.volume(1, 11, 1_500);
        SimVolume bronze = loop.volume(2, 12, 2_000);
        loop.attach(1, goldSla);
        loop.attach(2, Sla.named("bronze").priority(PriorityClass.BEST_EFFORT).build());
        return new GoldAndBronze(gold, bronze);
    }

    private record GoldAndBronze(SimVolume gold, SimVolume bronze) {}

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void goldLatencyObjectiveHoldsWhileBronzeFloodsTheBackend(long seed) {
        loop = harness(seed);
        GoldAndBronze volumes = goldBesideBronze(Sla.named("gold")
                .priority(PriorityClass.CRITICAL)
                .reservedIops(2_000)
                .latency(GOLD_LATENCY)
                .build());
        SimVolume gold = volumes.gold();
        SimVolume bronze = volumes.bronze();

        loop.run(20);
        bronze.demand(40_000);
        loop.run(280);

        ComplianceJudge.LatencyWindow windows = loop.judge.latencyWindows(1);
        double windowsMet = (double) windows.met() / windows.judged();
        int within = 0;
        for (int i = 20; i < 300; i++) {
            within += gold.history().get(i).p95Micros() <= 1.2 * GOLD_LATENCY.readMicros() ? 1 : 0;
        }
        double intervalsWithin = within / 280.0;
        double bronzeShare = meanDelivered(bronze, 50, 300);
        System.out.printf(
                "seed %d: gold latency windows met %d/%d = %.3f; intervals with true p95 <= 1.2x target %.3f;"
                        + " gold delivered %.0f of %.0f; bronze %.0f IOPS%n",
                seed,
                windows.met(),
                windows.judged(),
                windowsMet,
                intervalsWithin,
                meanDelivered(gold, 50, 300),
                1_500.0,
                bronzeShare);
        assertThat(windowsMet).isGreaterThanOrEqualTo(0.95);
        assertThat(intervalsWithin).isGreaterThanOrEqualTo(0.95);
        assertThat(reservationAttainment(gold, 2_000, 0, 300)).isGreaterThanOrEqualTo(0.99);
        assertThat(bronzeShare).as("the flood still gets what is left").isGreaterThan(3_000);
    }

    /**
     * The flood's first interval overshoots gold's aim and the cut lands gold's p95 low in the estimator's band (1.6 of
     * the 1.8 ms aim); the creep toward the aim then hands the rest to bronze. Before it bronze stayed at the cut's
     * 4,343 IOPS for good (seed 1).
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void afterTheFloodsCutGoldsLatencyIsLetRiseTowardItsAimAndBronzeGetsTheDifference(long seed) {
        loop = harness(seed);
        GoldAndBronze volumes = goldBesideBronze(Sla.named("gold")
                .priority(PriorityClass.CRITICAL)
                .reservedIops(2_000)
                .latency(GOLD_LATENCY)
                .build());
        SimVolume gold = volumes.gold();
        SimVolume bronze = volumes.bronze();
        loop.run(20);
        bronze.demand(40_000);
        loop.run(180);

        ComplianceJudge.LatencyWindow windows = loop.judge.latencyWindows(1);
        assertThat((double) windows.met() / windows.judged())
                .as("gold's windows, judged at the objective itself")
                .isGreaterThanOrEqualTo(0.95);
        assertThat(meanDelivered(bronze, 100, 200))
                .as("bronze past where the cut left it")
                .isGreaterThan(4_600);
        double goldP95 = 0;
        for (int i = 100; i < 200; i++) {
            goldP95 += gold.history().get(i).p95Micros() / 100;
        }
        assertThat(goldP95)
                .as("gold's true p95 near, and under, the 1.8 ms aim")
                .isBetween(
                        0.8 * ObjectiveAim.WIDEST * GOLD_LATENCY.readMicros(),
                        ObjectiveAim.WIDEST * GOLD_LATENCY.readMicros());
    }

    @Test
    void theTighterDirectionOfALatencyObjectiveIsTheOneProtected() {
        loop.backend.writeLatencyFactor(2);
        LatencyObjective readsAndWrites = new LatencyObjective(95, 2_000, 3_000, 10);
        GoldAndBronze volumes = goldBesideBronze(Sla.named("gold")
                .priority(PriorityClass.CRITICAL)
                .latency(readsAndWrites)
                .build());
        SimVolume gold = volumes.gold();
        SimVolume bronze = volumes.bronze();
        loop.run(10);
        bronze.demand(40_000);
        loop.run(190);
        ComplianceJudge.LatencyWindow windows = loop.judge.latencyWindows(1);
        double readP95 = gold.last().p95Micros();
        System.out.printf(
                "writes 2x slower: gold windows met %d/%d; true p95 reads %.0f us, writes %.0f us (objective 2000/3000)%n",
                windows.met(), windows.judged(), readP95, 2 * readP95);
        assertThat((double) windows.met() / windows.judged()).isGreaterThanOrEqualTo(0.95);
        assertThat(2 * readP95)
                .as("writes bind: reads have room")
                .isLessThanOrEqualTo(3_000)
                .isGreaterThan(2_000);
        assertThat(meanDelivered(bronze, 50, 200)).isGreaterThan(1_000);
    }

    @Test
    void admissionControlJudgesReservationsAgainstTheLearnedCapacity() {
        loop.volume(1, 11, 1_500);
        loop.volume(2, 12, 40_000);
        loop.volume(3, 13, 100);
        loop.attach(
                1,
                Sla.named("gold")
                        .priority(PriorityClass.CRITICAL)
                        .latency(GOLD_LATENCY)
                        .build());
        loop.run(60);
        long learned = loop.analyzer.capacityIops(ControlHarness.BACKEND);
        assertThat(learned)
                .as("the latency objective caps the backend below its nominal 10000")
                .isLessThan(8_000);
        assertThatThrownBy(() ->
                        loop.attach(3, Sla.named("big").reservedIops(learned).build()))
                .isInstanceOfSatisfying(
                        SlaRejectedException.class,
                        e -> assertThat(e.breaks(SlaRule.ADMISSION_CAPACITY)).isTrue());
        loop.attach(3, Sla.named("fits").reservedIops(learned / 2).build());
    }

    @Test
    void withoutTheAnalyzerTheFloodBreaksGoldsObjective() {
        SimulatedBackend unmanaged = new SimulatedBackend(CAPACITY, BASE_MICROS, 42);
        SimVolume gold = unmanaged.addVolume(1, 11).demand(1_500);
        unmanaged.addVolume(2, 12).demand(40_000);
        for (int i = 0; i < 20; i++) {
            unmanaged.step(ControlHarness.START + i * 1_000L, 1_000);
        }
        assertThat(gold.last().p95Micros()).isGreaterThan(10 * GOLD_LATENCY.readMicros());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void allocationsConvergeWithinThreeIntervalsAfterAWorkloadStep(long seed) {
        loop = harness(seed);
        SimVolume stepper = loop.volume(1, 11, 1_000);
        SimVolume flood = loop.volume(2, 12, 30_000);
        SimVolume shrinker = loop.volume(3, 13, 3_000);
        for (int id = 1; id <= 3; id++) {
            loop.attach(id, Sla.named("std-" + id).latency(GOLD_LATENCY).build());
        }
        loop.run(40);
        stepper.demand(4_000);
        loop.run(30);
        shrinker.demand(500);
        loop.run(30);
        flood.demand(1_000);
        loop.run(30);

        int worst = 0;
        for (int step : new int[] {40, 70, 100}) {
            for (int id = 1; id <= 3; id++) {
                List<Long> series = loop.limits.get(id).subList(0, step + 30);
                int settled = settlingIntervals(series, step, Math.max(0.10 * series.getLast(), 0.02 * CAPACITY));
                System.out.printf(
                        "seed %d, step at %d: volume %d settled after %d intervals at %d; limits %s%n",
                        seed, step, id, settled, series.getLast(), series.subList(step - 1, step + 6));
                worst = Math.max(worst, settled);
            }
        }
        System.out.printf("seed %d: convergence_intervals %d%n", seed, worst);
        assertThat(worst).isLessThanOrEqualTo(3);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void backloggedVolumesWithEqualWeightsGetEqualThroughput(long seed) {
        loop = harness(seed);
        SimVolume[] volumes = new SimVolume[4];
        for (int id = 1; id <= 3; id++) {
            volumes[id - 1] = loop.volume(id, 10 + id, 6_000 + 1_000 * id);
        }
        volumes[3] = loop.volume(4, Map.of(14L, 0.7, 15L, 0.3), 12_000, 1L << 40);
        SimVolume light = loop.volume(5, 16, 600);
        for (int id = 1; id <= 5; id++) {
            loop.attach(id, Sla.named("equal-" + id).weight(250).build());
        }
        loop.run(120);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (SimVolume volume : volumes) {
            double mean = meanDelivered(volume, 20, 120);
            min = Math.min(min, mean);
            max = Math.max(max, mean);
        }
        System.out.printf(
                "seed %d: fairness_min_max %.4f (min %.0f, max %.0f IOPS; the light volume got %.0f of its 600)%n",
                seed, min / max, min, max, meanDelivered(light, 20, 120));
        assertThat(min / max).isGreaterThanOrEqualTo(0.95);
        assertThat(meanDelivered(light, 20, 120)).isGreaterThan(0.97 * 600);
    }

    @Test
    void backloggedVolumesShareInProportionToWeight() {
        SimVolume light = loop.volume(1, 11, 20_000);
        SimVolume heavy = loop.volume(2, 12, 20_000);
        loop.attach(1, Sla.named("light").weight(100).build());
        loop.attach(2, Sla.named("heavy").weight(300).build());
        loop.run(100);
        double ratio = meanDelivered(heavy, 20, 100) / meanDelivered(light, 20, 100);
        System.out.printf("weight 300 vs 100: throughput ratio %.3f%n", ratio);
        assertThat(ratio).isBetween(2.7, 3.3);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void admissibleReservationsAreMetInAtLeast99PercentOfIntervals(long seed) {
        loop = harness(seed);
        SimVolume swinging = loop.volume(1, 11, 1_000);
        SimVolume steady = loop.volume(2, 12, 2_500);
        SimVolume flood = loop.volume(3, 13, 40_000);
        loop.attach(1, Sla.named("r3000").reservedIops(3_000).build());
        loop.attach(2, Sla.named("r1500").reservedIops(1_500).build());
        loop.attach(3, Sla.named("flood").priority(PriorityClass.BEST_EFFORT).build());
        for (int block = 0; block < 15; block++) {
            swinging.demand(block % 2 == 0 ? 1_000 : 4_000);
            steady.demand(block % 3 == 0 ? 800 : 2_500);
            loop.run(20);
        }
        // Until the first parameters are in force (interval 1) and the unthrottled first interval's
        // device queue has drained, the backend is not under control yet: judged from interval 3.
        double swingingAttainment = reservationAttainment(swinging, 3_000, 3, 300);
        double steadyAttainment = reservationAttainment(steady, 1_500, 3, 300);
        System.out.printf(
                "seed %d: reservation_attainment %.4f (3000 IOPS, swinging 1000/4000) and %.4f (1500 IOPS);"
                        + " flood got %.0f IOPS%n",
                seed, swingingAttainment, steadyAttainment, meanDelivered(flood, 0, 300));
        assertThat(swingingAttainment).isGreaterThanOrEqualTo(0.99);
        assertThat(steadyAttainment).isGreaterThanOrEqualTo(0.99);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void idleShareIsLentAndReclaimedWithinFiveIntervals(long seed) {
        loop = harness(seed);
        SimVolume sleeper = loop.volume(1, 11, 50);
        SimVolume flood = loop.volume(2, 12, 30_000);
        loop.attach(1, Sla.named("sleeper").build());
        loop.attach(2, Sla.named("flood").build());
        loop.run(30);
        double lent = meanDelivered(flood, 10, 30);
        sleeper.demand(30_000);
        loop.run(40);
        double fairShare = meanDelivered(sleeper, 50, 70);
        int reclaimed = -1;
        for (int i = 30; i < 70 && reclaimed < 0; i++) {
            if (sleeper.history().get(i).delivered() >= 0.95 * fairShare) {
                reclaimed = i - 30 + 1;
            }
        }
        System.out.printf(
                "seed %d: idle share: flood used %.0f IOPS while the owner slept; owner back to %.0f of %.0f within %d intervals%n",
                seed, lent, sleeper.history().get(30 + reclaimed - 1).delivered(), fairShare, reclaimed);
        assertThat(lent).as("idle share lent").isGreaterThan(0.8 * loop.analyzer.capacityIops(ControlHarness.BACKEND));
        assertThat(reclaimed).isBetween(1, 5);
        assertThat(fairShare / meanDelivered(flood, 50, 70)).isGreaterThan(0.95);
    }

    @Test
    void aVolumesLimitIsSplitAcrossItsGatewaysByDemand() {
        SimVolume shared = loop.volume(1, Map.of(21L, 0.8, 22L, 0.2), 5_000, 1L << 40);
        loop.attach(1, Sla.named("capped").iopsLimit(1_000).build());
        loop.run(20);
        long busy = shared.limitAt(21);
        long quiet = shared.limitAt(22);
        System.out.printf("limit 1000 over gateways with 80/20 demand: %d + %d%n", busy, quiet);
        assertThat(busy + quiet).isBetween(950L, 1_002L);
        assertThat((double) busy / (busy + quiet)).isBetween(0.72, 0.85);
        assertThat(meanDelivered(shared, 10, 20)).isLessThanOrEqualTo(1_000 * 1.02);
    }

    @Test
    void onlyChangedParametersAreSentAndVersionsOnlyRise() {
        for (int id = 1; id <= 4; id++) {
            loop.volume(id, 10 + id, 1_000 * id);
            loop.attach(
                    id,
                    Sla.named("steady-" + id)
                            .reservedIops(200)
                            .latency(GOLD_LATENCY)
                            .build());
        }
        // The load is at the backend's capacity: for its first 90 or so intervals the estimate creeps from where
        // the first congestion cut it toward the latency aim, 1% at a time and less as it nears the aim, and the
        // limits follow it.
        loop.run(90);
        long firstVersion = loop.analyzer.paramsOf(1, 11).version();
        loop.run(90);
        long quietIntervals = loop.setsPerInterval.subList(90, 180).stream()
                .filter(sets -> sets == 0)
                .count();
        System.out.printf(
                "steady load: %d of 90 intervals sent nothing; %d sets in all%n",
                quietIntervals, loop.analyzer.setsSent());
        assertThat(quietIntervals).isGreaterThanOrEqualTo(80);
        assertThat(loop.analyzer.paramsOf(1, 11).version()).isGreaterThanOrEqualTo(firstVersion);
    }

    @Test
    void anSlaEditTakesEffectAtTheNextInterval() {
        SimVolume volume = loop.volume(1, 11, 8_000);
        loop.attach(1, Sla.named("editable").iopsLimit(6_000).build());
        loop.run(10);
        assertThat(volume.limitAt(11)).isEqualTo(6_000);

        Sla edited = loop.attach(1, Sla.named("editable").iopsLimit(1_500).build());
        assertThat(edited.version()).isEqualTo(2);
        loop.run(1);
        assertThat(volume.limitAt(11)).isEqualTo(1_500);
        loop.run(1);
        assertThat(volume.last().delivered()).isLessThanOrEqualTo(1_500 * 1.01);
    }

    @Test
    void lowerClassesAreThrottledFirstButNeverBelowTheirReservations() {
        SimVolume gold = loop.volume(1, 11, 3_000);
        SimVolume silver = loop.volume(2, 12, 1_000);
        SimVolume backup = loop.volume(3, 13, 1_000);
        loop.attach(
                1,
                Sla.named("gold")
                        .priority(PriorityClass.CRITICAL)
                        .latency(GOLD_LATENCY)
                        .build());
        loop.attach(2, Sla.named("silver").priority(PriorityClass.STANDARD).build());
        loop.attach(
                3,
                Sla.named("backup")
                        .priority(PriorityClass.BACKGROUND)
                        .reservedIops(800)
                        .build());
        loop.run(10);
        silver.demand(30_000);
        backup.demand(30_000);
        loop.run(140);
        double backupGot = meanDelivered(backup, 30, 150);
        double silverGot = meanDelivered(silver, 30, 150);
        ComplianceJudge.LatencyWindow windows = loop.judge.latencyWindows(1);
        System.out.printf(
                "under pressure: gold %.0f, silver %.0f, background %.0f (reserved 800); gold windows %d/%d%n",
                meanDelivered(gold, 30, 150), silverGot, backupGot, windows.met(), windows.judged());
        assertThat(backupGot).isBetween(0.95 * 800, 1.25 * 800);
        assertThat(reservationAttainment(backup, 800, 10, 150)).isGreaterThanOrEqualTo(0.99);
        assertThat(silverGot).isGreaterThan(backupGot);
        assertThat(meanDelivered(gold, 30, 150)).isGreaterThan(0.95 * 3_000);
        assertThat((double) windows.met() / windows.judged()).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void capacityScalingLimitsAVolumeByItsSize() {
        SimVolume big = loop.volume(1, Map.of(11L, 1.0), 2_500, 2L << 40);
        SimVolume small = loop.volume(2, Map.of(12L, 1.0), 800, 1L << 38);
        CapacityScaling perTib = new CapacityScaling(1_000, 500, CapacityScaling.Basis.ALLOCATED);
        loop.attach(1, Sla.named("big").scaling(perTib).build());
        loop.attach(2, Sla.named("small").scaling(perTib).build());
        loop.run(10);
        assertThat(big.limitAt(11)).isEqualTo(2_000);
        assertThat(small.limitAt(12)).isEqualTo(500);
    }
}
