package io.sluice.services.compliance;

/** How one interval went for one part of an SLA. */
public enum Verdict {
    MET,
    MISSED,
    /** The SLA does not set this part, or there was nothing to judge (no I/O). */
    NOT_APPLICABLE
}
