package io.sluice.db.store;

/** Counts of verdicts for one SLA, scope and dimension over a report's period. */
public record ComplianceTally(
        String sla, String scopeKind, String scopeId, String dimension, long intervals, long met, long missed) {
    /** Met as a share of the intervals that had a verdict either way; 100 when there were none. */
    public double metPercent() {
        long judged = met + missed;
        return judged == 0 ? 100.0 : 100.0 * met / judged;
    }
}
