package io.sluice.db.store;

/** One SLA's verdict on one dimension for one interval, as the SLA services judged it. */
public record ComplianceResult(
        String sla,
        String scopeKind,
        String scopeId,
        long intervalStart,
        long intervalMillis,
        String dimension,
        String verdict) {}
