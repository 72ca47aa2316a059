package io.sluice.bench.control;

import java.util.List;

/**
 * One control-real regime's figures.
 *
 * @param windows gold's 1 s windows during the flood
 * @param windowsMet of which gold's p95 was within its objective and gold had its rate ({@link GoldWindows})
 * @param goldIops gold's I/Os completed during the flood, per second
 * @param bronzeIops bronze's, per second of its run
 * @param restarts role and gateway restarts the supervisor made during the regime (a crash would make the figures
 *     suspect)
 * @param setupSeconds what the regime waited for before its load: for the first, starting the topology until the
 *     control plane was ready; for the next ones, until their throttles were in force at the gateways
 * @param missed the windows missed
 * @param timeline when the control plane was ready and when bronze's throttle sets took effect ({@link Timeline})
 */
record RegimeOutcome(
        int windows,
        int windowsMet,
        double goldIops,
        double bronzeIops,
        int restarts,
        double setupSeconds,
        List<GoldWindows.Missed> missed,
        Timeline timeline) {
    double windowsMetShare() {
        return windows == 0 ? 0 : (double) windowsMet / windows;
    }

    double deliveredIops() {
        return goldIops + bronzeIops;
    }
}
