package io.sluice.monitor;

import java.util.Arrays;

/**
 * How many inbound/outbound thread pairs n gateways need (docs/design.md, "The monitor's thread pairs"): a thread can
 * serve as many gateways in one scheduler time quantum Tthr as fit at the processing time Tptmax of one gateway, so
 * pairs = Roundup(n / ((Tthr * 1000) / Tptmax)).
 *
 * <p>Tptmax is measured, for both directions of a pair (the inbound thread's read-and-decode of one gateway, the
 * outbound thread's encode-and-write), as a high percentile ({@link Settings#percentile}) of the passes of the last
 * {@link Settings#windowIntervals} sizing intervals, never as their maximum, and never from the single slowest pass:
 * one collection pause or page fault does not add a pair. The slower direction decides, since either thread of a pair
 * must get round its gateways within the quantum. Too few passes in the window to tell ({@link Settings#minSamples})
 * keep the count as it is.
 *
 * <p>The count may go beyond the processor count when the formula asks for it (a processor may run several pairs), up
 * to {@link Settings#ceiling}. It grows once the formula has asked for more for {@link Settings#growAfterMillis}; it
 * shrinks, one pair at a time, only once even {@link Settings#shrinkHeadroom} more gateways would fit in fewer pairs,
 * and has for {@link Settings#shrinkAfterMillis}: a load that hovers at a boundary does not make pairs come and go.
 *
 * <p>Not thread-safe: the monitor's conductor thread drives it, with the time it is given.
 */
public final class ThreadPairSizing {
    /** Linux's time slice for a user thread starts around 10 ms. */
    public static final double DEFAULT_QUANTUM_MILLIS = 10.0;

    /**
     * @param quantumMillis Tthr
     * @param percentile which fraction of passes must fit, e.g. 0.99
     * @param windowIntervals how many sizing intervals the percentile spans
     * @param minSamples fewer passes than this in the window decide nothing (at least 2)
     * @param floor pairs kept however light the load
     * @param ceiling pairs never exceeded however heavy
     * @param growAfterMillis how long the formula must ask for more before a pair is added
     * @param shrinkAfterMillis how long fewer pairs must suffice before one is retired
     * @param shrinkHeadroom the extra share of gateways fewer pairs must still fit, e.g. 0.25
     */
    public record Settings(
            double quantumMillis,
            double percentile,
            int windowIntervals,
            int minSamples,
            int floor,
            int ceiling,
            long growAfterMillis,
            long shrinkAfterMillis,
            double shrinkHeadroom) {
        public Settings {
            if (quantumMillis <= 0
                    || percentile <= 0
                    || percentile > 1
                    || windowIntervals < 1
                    || minSamples < 2
                    || floor < 1
                    || ceiling < floor
                    || growAfterMillis < 0
                    || shrinkAfterMillis < 0
                    || shrinkHeadroom < 0) {
                throw new IllegalArgumentException("invalid thread pair sizing: " + this);
            }
        }

        /** Tthr 10 ms, the 99th percentile of 5 intervals, grow after 2 s, shrink after 30 s with 25% headroom. */
        public static Settings defaults(int ceiling) {
            return new Settings(DEFAULT_QUANTUM_MILLIS, 0.99, 5, 20, 1, ceiling, 2_000, 30_000, 0.25);
        }
    }

    private final Settings settings;
    private final long[][] inbound;
    private final long[][] outbound;
    private final long[] merged = new long[ProcessingTimes.BUCKETS];
    private int slot;
    private int pairs;
    private long wantMoreSince = -1;
    private long wantFewerSince = -1;
    private double tptMaxMicros;
    private int formulaPairs;

    public ThreadPairSizing(Settings settings, int initialPairs) {
        this.settings = settings;
        this.inbound = new long[settings.windowIntervals()][ProcessingTimes.BUCKETS];
        this.outbound = new long[settings.windowIntervals()][ProcessingTimes.BUCKETS];
        this.pairs = Math.clamp(initialPairs, settings.floor(), settings.ceiling());
    }

    /**
     * The formula: Roundup(n / ((Tthr * 1000) / Tptmax)), at least one pair, and at least one gateway per pair and
     * quantum however slow a gateway is.
     *
     * @param gateways n, the gateways to serve
     * @param quantumMillis Tthr
     * @param maxProcessingMicros Tptmax, the processing time of one gateway
     */
    public static int pairs(int gateways, double quantumMillis, double maxProcessingMicros) {
        if (gateways <= 0) {
            return 1;
        }
        double perQuantum = Math.max(1.0, (quantumMillis * 1000.0) / Math.max(maxProcessingMicros, 0.001));
        return Math.max(1, (int) Math.ceil(gateways / perQuantum));
    }

    /**
     * The start of the interval's window slot: the passes each thread recorded since the last call go into
     * {@link #inboundInterval()} and {@link #outboundInterval()}, which this clears first.
     */
    public void beginInterval() {
        slot = (slot + 1) % settings.windowIntervals();
        Arrays.fill(inbound[slot], 0);
        Arrays.fill(outbound[slot], 0);
    }

    /** Where the inbound threads' passes of the current interval go (counts per {@link ProcessingTimes} bucket). */
    long[] inboundInterval() {
        return inbound[slot];
    }

    /** Where the outbound threads' passes of the current interval go. */
    long[] outboundInterval() {
        return outbound[slot];
    }

    /**
     * One sizing step at {@code nowMillis}, after the interval's passes were added: the pairs to run now for
     * {@code gateways} in session. Moves by at most one pair down, and up to the formula's answer.
     */
    public int decide(long nowMillis, int gateways) {
        double tpt = Math.max(percentileMicros(inbound), percentileMicros(outbound));
        if (gateways > 0 && Double.isNaN(tpt)) {
            return pairs;
        }
        tptMaxMicros = Double.isNaN(tpt) ? 0 : tpt;
        formulaPairs = pairs(gateways, settings.quantumMillis(), tptMaxMicros);
        int wanted = Math.clamp(formulaPairs, settings.floor(), settings.ceiling());
        int enoughWithHeadroom = Math.clamp(
                pairs(
                        (int) Math.ceil(gateways * (1 + settings.shrinkHeadroom())),
                        settings.quantumMillis(),
                        tptMaxMicros),
                settings.floor(),
                settings.ceiling());
        if (wanted > pairs) {
            wantFewerSince = -1;
            if (wantMoreSince < 0) {
                wantMoreSince = nowMillis;
            }
            if (nowMillis - wantMoreSince >= settings.growAfterMillis()) {
                pairs = wanted;
                wantMoreSince = -1;
            }
        } else if (enoughWithHeadroom < pairs) {
            wantMoreSince = -1;
            if (wantFewerSince < 0) {
                wantFewerSince = nowMillis;
            }
            if (nowMillis - wantFewerSince >= settings.shrinkAfterMillis()) {
                pairs--;
                // The next pair goes only after another full stretch of the lighter load.
                wantFewerSince = nowMillis;
            }
        } else {
            wantMoreSince = -1;
            wantFewerSince = -1;
        }
        return pairs;
    }

    /**
     * The window's high percentile of one direction in microseconds (the upper edge of its bucket), NaN with too few
     * passes. The rank is at most the second-slowest pass, so the single slowest never counts.
     */
    private double percentileMicros(long[][] window) {
        Arrays.fill(merged, 0);
        long total = 0;
        for (long[] interval : window) {
            for (int i = 0; i < merged.length; i++) {
                merged[i] += interval[i];
                total += interval[i];
            }
        }
        if (total < settings.minSamples()) {
            return Double.NaN;
        }
        long rank = Math.min((long) Math.ceil(settings.percentile() * total), total - 1);
        long seen = 0;
        for (int i = 0; i < merged.length; i++) {
            seen += merged[i];
            if (seen >= rank) {
                return ProcessingTimes.upperMicros(i);
            }
        }
        return ProcessingTimes.upperMicros(merged.length - 1);
    }

    /** The pairs this sizing stands at. */
    public int pairs() {
        return pairs;
    }

    /** Tptmax of the last decision, microseconds (0 before any, or with no gateways). */
    public double tptMaxMicros() {
        return tptMaxMicros;
    }

    /** What the formula asked for at the last decision, before the floor, ceiling and hysteresis. */
    public int formulaPairs() {
        return formulaPairs;
    }
}
