package io.sluice.services.control;

/**
 * How much one backend can deliver while its latency stays under a congestion threshold, learned from what it delivers
 * and how slow it gets (the feedback PARDA uses for its window and Linux io.cost for its vrate). Latency above the
 * threshold cuts the estimate to what was delivered, less in proportion to the overshoot, and never raises it (a
 * backend draining a standing queue delivers a lot while slow). Nor does it cut in the first interval over the
 * threshold if the backend delivered more than the estimate: that is a backlog let through at once (limits raised for
 * volumes queued behind them, typically when a neighbour's demand falls), and the limits hold the load that follows to
 * the estimate. If the latency stays over the threshold the next interval, it is cut as usual: limits can stay above
 * the estimate (the step limiter does not send small cuts). Latency well below the threshold while the backend delivers
 * nearly all of the estimate raises it a little; a backend that is not that busy says nothing about what more load
 * would do. Between the two edges of the band the estimate holds, with one exception: when the threshold is an aim
 * (latency objectives name a latency worth running at, not a congestion to stay clear of), a backend that delivers
 * nearly all of the estimate creeps up until its latency is within {@link #UPPER_BAND} of the aim, and never to the
 * load at which it last congested. Without it the band's lower edge, not the aim, decides where a steep backend
 * settles: a cut that lands latency anywhere in the band leaves it there (on an M/M/1 device the band spans 58-67%
 * utilisation for a 2 ms p95). The creep is {@link #PLATEAU_GROWTH} an interval at the band's lower edge and shrinks in
 * proportion to what is left of the way to {@link #UPPER_BAND}: the aim already keeps the latency's noise between
 * itself and the objective ({@link ObjectiveAim}), so the creep may end close to it, and it can only do so without
 * crossing it by slowing down on the way (one fixed step near the aim lands past it, and each crossing is a cut).
 *
 * <p>Growth is an extrapolation: it is judged at the load the backend carried, which excludes the reservations its idle
 * owners hold. So the estimate remembers the load at which the backend last congested and, like TCP CUBIC around its
 * last window, grows quickly up to {@link #PLATEAU_SHARE} of it and only creeps beyond; otherwise it would climb back
 * past the backend's real capacity while the owners sleep, and overbook it the moment they wake.
 *
 * <p>Latency alone misses a saturated backend whose clients wait instead of queueing (closed-loop clients on an array
 * that shares itself by weight: the victim's latency hardly moves, its throughput falls). So a raise must be followed:
 * when limits that held volumes back were raised last interval and the backend then delivered less than
 * {@link #FOLLOW_SHARE} of the raise more, the capacity handed out was not there (what one volume gained, another
 * lost); the backend is saturated at what it delivered: the raise is taken back (down to that delivery at most) and the
 * estimate plateaus there, as after congestion. Unless the latency fell that interval: a saturated backend that shares
 * itself out does not get faster when a raise takes from one volume what it gives another (a queue grows, or the
 * loser's closed-loop client waits longer per I/O), but one whose load fell does, so a neighbour's demand falling (a
 * flood that stops, a steady volume's jitter) is not read as saturation.
 */
final class CapacityEstimator {
    /** Below this share of the threshold a busy backend is believed to have room. */
    static final double LOWER_BAND = 0.8;
    /**
     * A backend aimed at a latency objective creeps toward the aim until its latency is this share of it: short of the
     * aim by about one interval's measuring noise on a steady backend, which the aim's own margin already covers.
     */
    static final double UPPER_BAND = 0.97;
    /** At most this much growth per interval: latency rises steeply near saturation. */
    static final double MAX_GROWTH = 1.10;
    /**
     * At most this much cut per interval: one bad sample, or a queue left over from an earlier overload, must not empty
     * the backend.
     */
    static final double MAX_CUT = 0.5;
    /** Only a backend delivering this share of the estimate shows whether it could do more. */
    static final double BUSY_SHARE = 0.9;

    /** Growth stops at this share of the load that last congested the backend... */
    static final double PLATEAU_SHARE = 0.9;
    /**
     * ...and beyond it creeps up at most this fast, in case the backend got faster (and, toward an aim, less the nearer
     * the aim).
     */
    static final double PLATEAU_GROWTH = 1.01;
    /** ...and only while the backend delivers this share of the estimate. */
    static final double PLATEAU_BUSY_SHARE = 0.97;

    /**
     * Congestion that fell below this share of the last interval's is clearing: the last cut is working (what remains
     * is a queue draining), so the estimate holds.
     */
    static final double CLEARING = 0.5;
    /** A raise the backend's delivery did not follow by at least this share of it was a raise past capacity. */
    static final double FOLLOW_SHARE = 0.75;

    private final long floorIops;
    private double lastPressure;
    private double estimate;
    /**
     * The load delivered when the backend last became congested while carrying about its estimate; 0 until it does.
     * Congestion at a lighter load (a slow spell) or continuing from the interval before (a queue left over) says
     * nothing about how much load it takes.
     */
    private double congestedAt;
    /**
     * The load delivered when latency last rose past the threshold from below; 0 until it does. Unlike
     * {@link #congestedAt} a raise that went unfollowed does not move it: the creep toward an aim is judged by latency
     * alone, and a neighbour's jitter can fail the follow test at any load.
     */
    private double overshotAt;
    /**
     * The latency at {@link #overshotAt}, as a share of the objectives (pressure times the aim then): once the aim has
     * risen past it, that load did not overshoot the aim in force and bounds nothing.
     */
    private double overshotLatency;
    /** What the backend delivered last interval. */
    private double lastDelivered;

    CapacityEstimator(long nominalIops) {
        this.estimate = nominalIops;
        this.floorIops = Math.max(1, nominalIops / 100);
    }

    double estimate() {
        return estimate;
    }

    /**
     * One interval's feedback.
     *
     * @param delivered normalized IOPS the backend completed
     * @param idleReserved reservations held for volumes that did not use them: capacity nobody else could use, so it
     *     counts as busy
     * @param pressure its latency divided by the congestion threshold (above 1: congested); 0 when nothing was measured
     * @param raised IOPS by which the limits of volumes held back at them were raised last interval
     * @param aim when the pressure is measured against latency objectives (a threshold to run close to), the share of
     *     the objectives aimed at ({@link ObjectiveAim}); 0 for a congestion threshold
     */
    void update(double delivered, double idleReserved, double pressure, double raised, double aim) {
        boolean aimed = aim > 0;
        double before = lastDelivered;
        lastDelivered = delivered;
        if (pressure <= 0) {
            return;
        }
        double previous = lastPressure;
        lastPressure = pressure;
        if (pressure > 1) {
            if (previous <= 1 && delivered >= BUSY_SHARE * estimate) {
                congestedAt = delivered;
            }
            if (previous <= 1) {
                overshotAt = delivered;
                overshotLatency = pressure * aim;
            }
            if (pressure < CLEARING * previous || (delivered > estimate && previous <= 1)) {
                return;
            }
            double cut = Math.min(estimate, delivered * Math.max(MAX_CUT, 1 / pressure));
            estimate = Math.max(floorIops, Math.max(estimate * MAX_CUT, cut));
            return;
        }
        if (raised > 0 && delivered < before + FOLLOW_SHARE * raised && pressure >= previous) {
            congestedAt = Math.max(delivered, before);
            // Takes back the raise, no more: a backend that delivered less for other reasons (a volume's
            // load fell) must not ratchet the estimate down raise after raise.
            estimate = Math.max(floorIops, Math.max(estimate - raised, Math.min(estimate, congestedAt + idleReserved)));
            return;
        }
        if (delivered + idleReserved >= BUSY_SHARE * estimate && pressure < LOWER_BAND) {
            double grown = estimate * Math.min(MAX_GROWTH, 1 + 0.5 * (LOWER_BAND / pressure - 1));
            double plateau = PLATEAU_SHARE * congestedAt;
            if (congestedAt > 0 && grown > plateau) {
                // Past the plateau only a backend delivering nearly all of the estimate earns more: the
                // headroom a volume is allocated but does not use must not carry the estimate past capacity.
                boolean full = delivered + idleReserved >= PLATEAU_BUSY_SHARE * estimate;
                grown = Math.max(plateau, full ? estimate * PLATEAU_GROWTH : estimate);
            }
            estimate = Math.max(estimate, grown);
        } else if (aimed
                && pressure < UPPER_BAND
                && delivered + idleReserved >= PLATEAU_BUSY_SHARE * estimate
                && (overshotAt == 0 || overshotLatency <= aim || delivered < PLATEAU_BUSY_SHARE * overshotAt)) {
            estimate *= 1 + (PLATEAU_GROWTH - 1) * Math.min(1, (UPPER_BAND - pressure) / (UPPER_BAND - LOWER_BAND));
        }
    }
}
