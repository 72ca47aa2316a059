package io.sluice.bench.control;

import io.sluice.bench.control.ClosedLoop.Mode;
import io.sluice.bench.control.ControlScenarios.Device;
import io.sluice.bench.control.ControlScenarios.LatencyRun;
import io.sluice.bench.control.ControlScenarios.Rule;
import io.sluice.bench.control.ControlScenarios.Workload;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Sluice against the best an administrator could have done with one static limit on bronze, chosen in hindsight: for
 * each seed, the largest limit ({@link StaticLimitSearch}, from 1 IOPS to bronze's flood) with which gold meets its
 * objective in at least {@link #OBJECTIVE_SHARE} of its windows, which is also the limit with the most throughput.
 * Sluice and every limit tried are judged by the same {@link Rule}. Each limit tried is the same seeded run again, so
 * the search sees the very load Sluice saw. Added up over the seeds run.
 */
final class BestStatic {
    /** The share of gold's windows a run must meet to count as keeping gold's objective. */
    static final double OBJECTIVE_SHARE = 0.95;

    private final Device device;
    private final Workload workload;
    private final long resolution;
    private final Rule rule;
    private int seeds;
    private int sluiceMissed;
    private int staticInfeasible;
    private int sluiceWindows;
    private int sluiceMet;
    private int staticWindows;
    private int staticMet;
    private double sluiceDelivered;
    private double staticDelivered;
    private long lowestLimit = Long.MAX_VALUE;
    private long highestLimit;

    /** Searches to within {@code resolution} IOPS, judging gold's windows by {@code rule}. */
    BestStatic(Device device, Workload workload, long resolution, Rule rule) {
        this.device = device;
        this.workload = workload;
        this.resolution = resolution;
        this.rule = rule;
    }

    void run(long seed, int intervals) {
        seeds++;
        LatencyRun sluice = run(Mode.QOS, seed, intervals, 0);
        sluiceWindows += sluice.windows();
        sluiceMet += sluice.windowsMet(rule);
        Map<Long, LatencyRun> tried = new HashMap<>();
        OptionalLong best = StaticLimitSearch.largestFeasible(
                1,
                (long) device.floodIops(),
                resolution,
                limit -> keepsObjective(tried.computeIfAbsent(limit, l -> run(Mode.STATIC, seed, intervals, l))));
        if (!keepsObjective(sluice)) {
            sluiceMissed++;
        }
        if (best.isEmpty()) {
            staticInfeasible++;
            return;
        }
        LatencyRun bestRun = tried.get(best.getAsLong());
        staticWindows += bestRun.windows();
        staticMet += bestRun.windowsMet(rule);
        lowestLimit = Math.min(lowestLimit, best.getAsLong());
        highestLimit = Math.max(highestLimit, best.getAsLong());
        sluiceDelivered += sluice.deliveredDuringFlood();
        staticDelivered += bestRun.deliveredDuringFlood();
    }

    private LatencyRun run(Mode mode, long seed, int intervals, long bronzeLimit) {
        return ControlScenarios.goldNextToBronze(
                device, workload, mode, seed, intervals, ControlScenarios.GOLD_LATENCY, bronzeLimit);
    }

    private boolean keepsObjective(LatencyRun run) {
        return run.windows() > 0 && run.windowsMet(rule) >= OBJECTIVE_SHARE * run.windows();
    }

    /** True when both Sluice and some static limit kept gold's objective in every seed: the ratio means something. */
    boolean comparable() {
        return seeds > 0 && sluiceMissed == 0 && staticInfeasible == 0;
    }

    /** Sluice's throughput over the best static limit's, from the first flood interval on, over all seeds. */
    double throughputRatio() {
        return sluiceDelivered / staticDelivered;
    }

    /**
     * What the figure's key ends with: {@code _changing} for the changing workload, {@code _parallel} for the 20-server
     * device, {@code _1_2x} when judged by {@link Rule#WITHIN_1_2X}.
     */
    String keySuffix() {
        return (workload == Workload.STEADY ? "" : "_" + workload.name().toLowerCase(Locale.ROOT))
                + (device.servers() == 1 ? "" : "_parallel")
                + (rule == Rule.OBJECTIVE ? "" : "_1_2x");
    }

    String label() {
        return workload.name().toLowerCase(Locale.ROOT) + ", "
                + (device.servers() == 1 ? "FIFO" : device.servers() + "-server");
    }

    Workload workload() {
        return workload;
    }

    Rule rule() {
        return rule;
    }

    int seeds() {
        return seeds;
    }

    /** Seeds in which Sluice met gold's objective in fewer than {@link #OBJECTIVE_SHARE} of the windows. */
    int sluiceMissed() {
        return sluiceMissed;
    }

    /** Seeds in which no static limit, not even 1 IOPS, kept gold's objective. */
    int staticInfeasible() {
        return staticInfeasible;
    }

    double sluiceShareMet() {
        return (double) sluiceMet / sluiceWindows;
    }

    double staticShareMet() {
        return (double) staticMet / staticWindows;
    }

    /** The best limits found, lowest and highest over the seeds. */
    long lowestLimit() {
        return lowestLimit;
    }

    long highestLimit() {
        return highestLimit;
    }
}
