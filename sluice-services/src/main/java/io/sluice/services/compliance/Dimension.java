package io.sluice.services.compliance;

/** The parts of an SLA compliance judges separately. */
public enum Dimension {
    LIMIT,
    RESERVATION,
    LATENCY
}
