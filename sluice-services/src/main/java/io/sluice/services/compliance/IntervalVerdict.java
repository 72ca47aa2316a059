package io.sluice.services.compliance;

import java.util.List;

/** One volume's compliance over one interval, per {@link Dimension}. */
public record IntervalVerdict(
        int volumeId, List<String> slas, long intervalEndMillis, Verdict limit, Verdict reservation, Verdict latency) {

    public Verdict of(Dimension dimension) {
        return switch (dimension) {
            case LIMIT -> limit;
            case RESERVATION -> reservation;
            case LATENCY -> latency;
        };
    }

    /** True when no dimension missed. */
    public boolean met() {
        return limit != Verdict.MISSED && reservation != Verdict.MISSED && latency != Verdict.MISSED;
    }
}
