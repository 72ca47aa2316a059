package io.sluice.sim;

import java.util.Locale;

/** The counters of one group of gateways (one {@link FaultMode}, or all) at one moment. */
public final class SimCounts {
    private final long[] values;

    SimCounts(long[] values) {
        this.values = values;
    }

    public long get(SimCounter counter) {
        return values[counter.ordinal()];
    }

    public long pollsReceived() {
        return get(SimCounter.POLLS_RECEIVED);
    }

    public long pollsAnswered() {
        return get(SimCounter.POLLS_ANSWERED);
    }

    public long throttleSetsReceived() {
        return get(SimCounter.THROTTLE_SETS_RECEIVED);
    }

    public long throttleSetsAcked() {
        return get(SimCounter.THROTTLE_SETS_ACKED);
    }

    public long reconnects() {
        return get(SimCounter.RECONNECTS);
    }

    public long authAccepted() {
        return get(SimCounter.AUTH_ACCEPTED);
    }

    public long authPending() {
        return get(SimCounter.AUTH_PENDING);
    }

    public long authRefused() {
        return get(SimCounter.AUTH_REFUSED);
    }

    /** Gateways in session now: sessions opened less sessions ended. */
    public long inSession() {
        return get(SimCounter.AUTH_ACCEPTED) - get(SimCounter.SESSIONS_ENDED);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (SimCounter counter : SimCounter.values()) {
            if (values[counter.ordinal()] != 0) {
                text.append(text.isEmpty() ? "" : " ")
                        .append(counter.name().toLowerCase(Locale.ROOT))
                        .append('=')
                        .append(values[counter.ordinal()]);
            }
        }
        return text.toString();
    }
}
