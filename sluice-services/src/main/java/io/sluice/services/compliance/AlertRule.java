package io.sluice.services.compliance;

/** Raise an alert of {@code severity} when at least {@code violations} of the last {@code intervals} missed. */
public record AlertRule(int violations, int intervals, Severity severity) {
    public static final AlertRule DEFAULT = new AlertRule(3, 5, Severity.WARNING);
}
