package io.sluice.sim;

import java.util.Arrays;

/**
 * What the simulator has seen so far, summed over its threads: for all gateways ({@link #total()}) and for the gateways
 * of each {@link FaultMode} ({@link #of}). Counters only grow, so two snapshots taken in turn show what happened in
 * between. The counts of different counters are not taken at one instant: a snapshot taken while gateways are busy may
 * show a poll received and not yet answered.
 */
public final class SimSnapshot {
    private final SimCounts total;
    private final SimCounts[] byMode;
    private final int gateways;
    private final int[] gatewaysByMode;

    SimSnapshot(long[] counts, int[] gatewaysByMode) {
        int width = SimCounter.values().length;
        long[] sum = new long[width];
        byMode = new SimCounts[FaultMode.values().length];
        for (FaultMode mode : FaultMode.values()) {
            long[] row = Arrays.copyOfRange(counts, mode.ordinal() * width, (mode.ordinal() + 1) * width);
            for (int i = 0; i < width; i++) {
                sum[i] += row[i];
            }
            byMode[mode.ordinal()] = new SimCounts(row);
        }
        this.total = new SimCounts(sum);
        this.gatewaysByMode = gatewaysByMode.clone();
        this.gateways = Arrays.stream(gatewaysByMode).sum();
    }

    public SimCounts total() {
        return total;
    }

    /** The counters of the gateways in {@code mode} only. */
    public SimCounts of(FaultMode mode) {
        return byMode[mode.ordinal()];
    }

    public int gateways() {
        return gateways;
    }

    /** How many gateways run in {@code mode}. */
    public int gateways(FaultMode mode) {
        return gatewaysByMode[mode.ordinal()];
    }

    /** One line for a console: sessions, polls, throttle sets, reconnects and auth outcomes. */
    public String summaryLine() {
        return "gateways " + gateways + " in-session " + total.inSession()
                + " polls " + total.pollsAnswered() + "/" + total.pollsReceived()
                + " throttle-acks " + total.throttleSetsAcked() + "/" + total.throttleSetsReceived()
                + " reconnects " + total.reconnects()
                + " auth accepted/pending/refused " + total.authAccepted() + "/" + total.authPending() + "/"
                + total.authRefused()
                + " lost " + total.get(SimCounter.CONNECTIONS_LOST)
                + " connect-failures " + total.get(SimCounter.CONNECT_FAILURES)
                + " standby-referrals " + total.get(SimCounter.STANDBY_REFERRALS)
                + " stale-epoch " + total.get(SimCounter.STALE_EPOCH_REFUSALS);
    }

    @Override
    public String toString() {
        return summaryLine();
    }
}
