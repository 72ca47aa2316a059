package io.sluice.bench.control;

import io.sluice.bench.JsonLine;
import io.sluice.bench.control.ClosedLoop.Mode;
import io.sluice.bench.control.ControlScenarios.LatencyRun;
import io.sluice.bench.control.ControlScenarios.Workload;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The control loop with real processes: the demo's topology ({@link RealTopology}) under Sluice's control, with no QoS,
 * and with a static limit on bronze, one after the other in one run; gold's 1 s latency windows and the throughput
 * delivered in each, next to the simulated figures of the same comparison (the steady scenario of {@code sluice bench
 * control}, FIFO device) so the model is checked against the real loop.
 */
@Command(
        name = "control-real",
        mixinStandardHelpOptions = true,
        description =
                "The demo's topology with real processes under Sluice, no QoS and a static limit; vs the simulation.")
public final class ControlRealBenchmark implements Callable<Integer> {
    @Option(
            names = "--quick",
            description = "8 s of flood per regime after 2 s of gold alone, one static limit (90%% of "
                    + "capacity less gold's rate) instead of a search")
    boolean quick;

    /** Quick mode: gold alone this long once the regime is in force, then bronze's flood this long. */
    private static final int QUICK_LEAD_SECONDS = 2;

    private static final int QUICK_FLOOD_SECONDS = 8;

    @Override
    public Integer call() throws Exception {
        // Gold alone from when the regime is in force (RealTopology waits for it): the analyzer learns gold's rate.
        int lead = quick ? QUICK_LEAD_SECONDS : 10;
        int flood = quick ? QUICK_FLOOD_SECONDS : 60;
        Map<String, RegimeOutcome> real = new LinkedHashMap<>();
        long staticLimit;
        boolean staticFeasible = true;
        double startSeconds;
        CompletableFuture<Simulated> simulation;
        RealTopology topology = RealTopology.start();
        try (topology) {
            real.put("sluice", topology.run(RealTopology.Regime.SLUICE, 0, lead, flood));
            real.put("no QoS", topology.run(RealTopology.Regime.NO_QOS, 0, lead, flood));
            if (quick) {
                // No time for a search: the array 90% busy with gold's rate (at 100%, 1,200, gold missed windows).
                staticLimit = Math.round(RealTopology.ARRAY_IOPS * 0.9) - RealTopology.GOLD_IOPS;
                real.put("static " + staticLimit, topology.run(RealTopology.Regime.STATIC, staticLimit, lead, flood));
            } else {
                StaticChoice choice = searchStatic(topology, real, lead, flood);
                staticLimit = choice.limit();
                staticFeasible = choice.feasible();
            }
            startSeconds = topology.startSeconds();
            // The model's figures computed while the topology stops (mostly waiting for processes to exit).
            simulation = CompletableFuture.supplyAsync(
                    () -> simulated(quick ? 3 : 10, quick ? 220 : 620, quick ? 100 : 1_000));
        }
        System.out.printf(
                Locale.ROOT,
                "topology started (to the control plane ready) in %.1f s, stopped in %.1f s%n",
                startSeconds,
                topology.stopSeconds());
        Simulated sim = simulation.join();
        print(real, staticLimit, staticFeasible, sim, lead, flood);
        return 0;
    }

    /**
     * The bisection the simulated comparison uses, on the real topology, to 100 IOPS: the largest limit with which
     * gold's windows are met >= 95%, which on a backlogged bronze is the most throughput. Its run is put in
     * {@code real}. With none feasible (a machine so busy that gold misses windows even next to a trickle), the lowest
     * limit tried is still shown, and no ratio against a best static limit is claimed.
     */
    private static StaticChoice searchStatic(
            RealTopology topology, Map<String, RegimeOutcome> real, int lead, int flood) {
        Map<Long, RegimeOutcome> tried = new LinkedHashMap<>();
        OptionalLong best = StaticLimitSearch.largestFeasible(
                100,
                RealTopology.ARRAY_IOPS - RealTopology.GOLD_IOPS,
                100,
                limit -> keepsObjective(tried.computeIfAbsent(
                        limit, l -> topology.runUnchecked(RealTopology.Regime.STATIC, l, lead, flood))));
        tried.forEach((limit, outcome) -> System.out.printf(
                Locale.ROOT,
                "  static %d tried: windows met %.3f, %.0f IOPS%n",
                limit,
                outcome.windowsMetShare(),
                outcome.deliveredIops()));
        long limit = best.orElse(100);
        real.put("static " + limit, tried.get(limit));
        if (best.isEmpty()) {
            System.out.printf(
                    Locale.ROOT,
                    "  no static limit from 100 IOPS up kept gold's windows met >= %.0f%%%n",
                    BestStatic.OBJECTIVE_SHARE * 100);
        }
        return new StaticChoice(limit, best.isPresent());
    }

    /** The static limit compared with, and whether it kept gold's windows met. */
    private record StaticChoice(long limit, boolean feasible) {}

    private static boolean keepsObjective(RegimeOutcome outcome) {
        return outcome.windowsMetShare() >= BestStatic.OBJECTIVE_SHARE;
    }

    /**
     * The simulated figures of the same three regimes: the steady scenario on the FIFO device, as {@code bench
     * control}.
     */
    record Simulated(
            double windowsMet,
            double windowsMetNoQos,
            double throughputVsNoQos,
            double throughputVsBestStatic,
            double windowsMetBestStatic) {}

    private static Simulated simulated(int seeds, int intervals, long quickOrFull) {
        BestStatic best = new BestStatic(
                ControlScenarios.FIFO,
                Workload.STEADY,
                (long) ControlScenarios.FIFO.capacityIops() / quickOrFull,
                ControlScenarios.Rule.OBJECTIVE);
        int windows = 0;
        int met = 0;
        int noQosWindows = 0;
        int noQosMet = 0;
        double delivered = 0;
        double noQosDelivered = 0;
        for (long seed = 1; seed <= seeds; seed++) {
            best.run(seed, intervals);
            LatencyRun sluice = ControlScenarios.goldNextToBronze(
                    ControlScenarios.FIFO,
                    Workload.STEADY,
                    Mode.QOS,
                    seed,
                    intervals,
                    ControlScenarios.GOLD_LATENCY,
                    0);
            LatencyRun none = ControlScenarios.goldNextToBronze(
                    ControlScenarios.FIFO,
                    Workload.STEADY,
                    Mode.NO_QOS,
                    seed,
                    intervals,
                    ControlScenarios.GOLD_LATENCY,
                    0);
            windows += sluice.windows();
            met += sluice.windowsMet();
            noQosWindows += none.windows();
            noQosMet += none.windowsMet();
            delivered += sluice.deliveredDuringFlood();
            noQosDelivered += none.deliveredDuringFlood();
        }
        return new Simulated(
                (double) met / windows,
                (double) noQosMet / noQosWindows,
                delivered / noQosDelivered,
                best.comparable() ? best.throughputRatio() : Double.NaN,
                best.staticShareMet());
    }

    private void print(
            Map<String, RegimeOutcome> real,
            long staticLimit,
            boolean staticFeasible,
            Simulated sim,
            int lead,
            int flood) {
        RegimeOutcome sluice = real.get("sluice");
        RegimeOutcome none = real.get("no QoS");
        RegimeOutcome fixed = real.get("static " + staticLimit);
        System.out.printf(
                Locale.ROOT,
                "%ncontrol-real (%s): the demo's topology, real processes on loopback; array %d IOPS, gold %d IOPS "
                        + "at QD8; bronze flooding at QD32 for %d s after %d s of gold alone%n"
                        + "a 1 s window is met when gold's p95 is within %d ms and gold completed >= %.0f%% of its rate%n",
                quick ? "quick" : "full",
                RealTopology.ARRAY_IOPS,
                RealTopology.GOLD_IOPS,
                flood,
                lead,
                RealTopology.GOLD_P95_MICROS / 1000,
                GoldWindows.GOLD_RATE_SHARE * 100);
        System.out.printf(
                Locale.ROOT,
                "%-14s %12s %10s %10s %12s %8s %12s%n",
                "regime",
                "windows met",
                "gold IOPS",
                "bronze IOPS",
                "total IOPS",
                "restarts",
                "setup s");
        real.forEach((name, o) -> System.out.printf(
                Locale.ROOT,
                "%-14s %6d/%-5d %10.0f %10.0f %12.0f %8d %12.0f%n",
                name,
                o.windowsMet(),
                o.windows(),
                o.goldIops(),
                o.bronzeIops(),
                o.deliveredIops(),
                o.restarts(),
                o.setupSeconds()));
        real.forEach((name, o) -> System.out.printf(
                Locale.ROOT,
                "%-14s missed (s from the flood's start): %s%n",
                name,
                o.missed().isEmpty()
                        ? "none"
                        : o.missed().stream().map(String::valueOf).collect(Collectors.joining(", "))));
        real.forEach((name, o) ->
                System.out.printf(Locale.ROOT, "%-14s %s%n", name, o.timeline().summary()));
        double vsNoQos = sluice.deliveredIops() / none.deliveredIops();
        double vsStatic = sluice.deliveredIops() / fixed.deliveredIops();
        System.out.printf(
                Locale.ROOT,
                "simulated, steady flood on the FIFO device (5-interval windows, a 2 ms objective as the product judges it): "
                        + "windows met sluice %.3f, no QoS %.3f, best static %.3f; throughput vs no QoS %.3f, vs best static %.3f%n",
                sim.windowsMet(),
                sim.windowsMetNoQos(),
                sim.windowsMetBestStatic(),
                sim.throughputVsNoQos(),
                sim.throughputVsBestStatic());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "control-real");
        json.put("mode", quick ? "quick" : "full");
        json.put("flood_seconds", flood);
        json.put("latency_windows_met", round(sluice.windowsMetShare()));
        json.put("latency_windows_met_no_qos", round(none.windowsMetShare()));
        json.put("latency_windows_met_static", round(fixed.windowsMetShare()));
        double firstSet = sluice.timeline().firstSetInForceSeconds();
        json.put("flood_first_set_in_force_s", Double.isNaN(firstSet) ? null : round(firstSet));
        json.put("static_limit", staticLimit);
        json.put("static_searched", !quick);
        json.put("static_feasible", staticFeasible);
        json.put("iops_sluice", Math.round(sluice.deliveredIops()));
        json.put("iops_no_qos", Math.round(none.deliveredIops()));
        json.put("iops_static", Math.round(fixed.deliveredIops()));
        json.put("throughput_vs_no_qos", round(vsNoQos));
        json.put("throughput_vs_static", staticFeasible ? round(vsStatic) : null);
        json.put("sim_latency_windows_met", round(sim.windowsMet()));
        json.put("sim_throughput_vs_no_qos", round(sim.throughputVsNoQos()));
        json.put("sim_throughput_vs_best_static", round(sim.throughputVsBestStatic()));
        json.put("latency_windows_met_real_vs_sim", round(sluice.windowsMetShare() / sim.windowsMet()));
        json.put("throughput_vs_no_qos_real_vs_sim", round(vsNoQos / sim.throughputVsNoQos()));
        json.put(
                "throughput_vs_static_real_vs_sim",
                staticFeasible ? round(vsStatic / sim.throughputVsBestStatic()) : null);
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
