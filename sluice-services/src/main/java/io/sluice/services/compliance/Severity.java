package io.sluice.services.compliance;

/** How loudly an alert speaks. */
public enum Severity {
    INFO,
    WARNING,
    CRITICAL
}
