package io.sluice.services.control;

/**
 * How far under its latency objectives one backend aims, from how steady the latency it measures is. The aim is a
 * margin under the objective so that a noisy interval does not break it; how much margin that takes depends on the
 * noise, and a fixed margin wide enough for a noisy backend gives away throughput on a steady one (on an M/M/1 device
 * 10% of a 2 ms p95 is 7% of the utilisation). So the aim keeps {@link #DEVIATIONS} standard deviations of one
 * interval's latency between itself and the objective, never closer than {@link #TIGHTEST} and never further than
 * {@link #WIDEST}.
 *
 * <p>The deviation is measured on the ratio of measured percentile to objective (the worst one on the backend), from
 * one interval to the next, in logarithms (a relative spread): a difference of two intervals has twice the variance of
 * one, so one interval's deviation is the root of half its mean square. Changes the controller makes itself count as
 * noise too, which only widens the margin while it moves. The mean square is a running average weighted {@link #WEIGHT}
 * to the newest interval, so one jump (a neighbour stepping up) widens the margin at once, and a steady spell narrows
 * it within a few tens of intervals. Until {@link #WARM_UP} intervals were measured the aim is the widest.
 *
 * <p>Not thread-safe: the analyzer's thread alone uses it.
 */
final class ObjectiveAim {
    /** The widest margin, a tenth under the objective: the aim while the latency is noisy or unknown. */
    static final double WIDEST = 0.9;
    /**
     * The tightest margin: the percentile is read from log2 buckets and judged over windows the analyzer's intervals
     * need not line up with, so the aim stays a few percent under the objective however steady.
     */
    static final double TIGHTEST = 0.97;
    /** Standard deviations of one interval's latency kept between the aim and the objective. */
    static final double DEVIATIONS = 3;
    /** Weight of the newest interval in the running mean square. */
    static final double WEIGHT = 0.1;
    /** Intervals measured before the spread is trusted. */
    static final int WARM_UP = 10;
    /**
     * A step between two intervals counts as at most this (in logarithms, about 10%): a flood that takes the latency
     * from a tenth of the objective to all of it is a change of regime, not noise around the aim, and counted in full
     * it would hold the aim at its widest for the next hundred intervals. Any noise of more than a few percent still
     * gives the widest margin.
     */
    static final double LARGEST_STEP = 0.2;

    private double lastLog;
    private double meanSquare;
    private int measured;

    /**
     * One interval's worst ratio of measured percentile to objective on the backend; NaN or 0 when nothing was judged,
     * which leaves the spread as it was (the next measured interval is compared with the last one).
     */
    void update(double ratio) {
        if (!(ratio > 0)) {
            return;
        }
        double log = Math.log(ratio);
        double step = Math.min(LARGEST_STEP, Math.abs(log - lastLog));
        if (measured == 1) {
            meanSquare = step * step;
        } else if (measured > 1) {
            meanSquare += WEIGHT * (step * step - meanSquare);
        }
        lastLog = log;
        measured++;
    }

    /** The share of the objective to aim at, between {@link #WIDEST} and {@link #TIGHTEST}. */
    double margin() {
        if (measured <= WARM_UP) {
            return WIDEST;
        }
        double deviation = Math.sqrt(meanSquare / 2);
        return Math.max(WIDEST, Math.min(TIGHTEST, 1 / (1 + DEVIATIONS * deviation)));
    }
}
