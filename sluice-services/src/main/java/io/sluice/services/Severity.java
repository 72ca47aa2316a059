package io.sluice.services;

/** How loudly an alert speaks. */
public enum Severity {
    INFO,
    WARNING,
    CRITICAL
}
