package io.sluice.services.sla;

/** The rules an SLA must keep to be accepted; each {@link SlaError} names one. */
public enum SlaRule {
    NAME_REQUIRED("an SLA needs a name"),
    NOT_NEGATIVE("must not be negative"),
    WIRE_RANGE("must fit the 32-bit field that carries it to the gateways (at most 4294967295)"),
    WEIGHT_RANGE("weight must be within " + Sla.MIN_WEIGHT + ".." + Sla.MAX_WEIGHT),
    CLASS_REQUIRED("a priority class is required"),
    DIRECTION_WITHIN_TOTAL("a per-direction limit must not exceed the total limit"),
    RESERVATION_WITHIN_LIMIT("a reservation must not exceed the limit"),
    BURST_ABOVE_LIMIT("a burst rate must exceed the limit it bursts above"),
    BURST_LENGTH_REQUIRED("a burst needs a length, and a length needs a burst"),
    SIZE_NORMALIZATION_POWER_OF_TWO("size normalization must be a power of two of at least 512 bytes"),
    PERCENTILE_RANGE("the latency percentile must be within (0, 100)"),
    LATENCY_WINDOW_REQUIRED("a latency objective needs a window of at least one interval"),
    SCALING_MINIMUM_WITHIN_LIMIT("the scaling minimum must not exceed the IOPS limit"),
    COMPLIANCE_TARGET_RANGE("the compliance target must be within (0, 1]"),
    ALERT_RULE_N_OF_M("an alert rule needs 1 <= violations <= intervals"),
    ADMISSION_CAPACITY("the reservations placed on a backend must fit its estimated capacity"),
    LATENCY_BELOW_BACKEND_FLOOR("the latency threshold is below what the backend delivers unloaded"),
    RESERVATION_ABOVE_SCALED_LIMIT("the reservation exceeds the limit capacity scaling gives the volume");

    private final String description;

    SlaRule(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
