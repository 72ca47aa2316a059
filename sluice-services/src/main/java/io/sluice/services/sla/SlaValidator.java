package io.sluice.services.sla;

import io.sluice.services.compliance.AlertRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks an SLA must pass on its own, before it meets a backend: every field in range and the fields consistent
 * with each other. What depends on where the SLA lands (admission control, a latency the backend cannot deliver) is
 * {@link AdmissionControl}'s part.
 */
public final class SlaValidator {
    private static final long MAX_WIRE_VALUE = 0xFFFF_FFFFL;

    private SlaValidator() {}

    /** Every rule the SLA breaks; empty when it is acceptable. */
    public static List<SlaError> check(Sla sla) {
        List<SlaError> errors = new ArrayList<>();
        if (sla.name() == null || sla.name().isBlank()) {
            errors.add(new SlaError("name", SlaRule.NAME_REQUIRED, ""));
        }
        checkLimits("iops", sla.iops(), errors);
        fitsWire("iops.total", sla.iops().total(), errors);
        fitsWire("iops.read", sla.iops().read(), errors);
        fitsWire("iops.write", sla.iops().write(), errors);
        fitsWire("reservedIops", sla.reservedIops(), errors);
        fitsWire("burst.iops", sla.burst().iops(), errors);
        fitsWire("burst.lengthMillis", sla.burst().lengthMillis(), errors);
        fitsWire("sizeNormalizationBytes", sla.sizeNormalizationBytes(), errors);
        fitsWire("latency.readMicros", sla.latency().readMicros(), errors);
        fitsWire("latency.writeMicros", sla.latency().writeMicros(), errors);
        checkLimits("bandwidth", sla.bandwidth(), errors);
        notNegative("reservedIops", sla.reservedIops(), errors);
        notNegative("reservedBandwidth", sla.reservedBandwidth(), errors);
        notNegative("sizeNormalizationBytes", sla.sizeNormalizationBytes(), errors);
        reservationWithin("reservedIops", sla.reservedIops(), sla.iops(), errors);
        reservationWithin("reservedBandwidth", sla.reservedBandwidth(), sla.bandwidth(), errors);
        if (sla.weight() < Sla.MIN_WEIGHT || sla.weight() > Sla.MAX_WEIGHT) {
            errors.add(new SlaError("weight", SlaRule.WEIGHT_RANGE, "weight " + sla.weight()));
        }
        if (sla.priority() == null) {
            errors.add(new SlaError("priority", SlaRule.CLASS_REQUIRED, ""));
        }
        checkBurst(sla, errors);
        long n = sla.sizeNormalizationBytes();
        if (n != 0 && (n < 512 || Long.bitCount(n) != 1)) {
            errors.add(new SlaError("sizeNormalizationBytes", SlaRule.SIZE_NORMALIZATION_POWER_OF_TWO, n + " bytes"));
        }
        checkLatency(sla.latency(), errors);
        checkScaling(sla, errors);
        if (!(sla.complianceTarget() > 0 && sla.complianceTarget() <= 1)) {
            errors.add(new SlaError(
                    "complianceTarget", SlaRule.COMPLIANCE_TARGET_RANGE, "target " + sla.complianceTarget()));
        }
        AlertRule rule = sla.alertRule();
        if (rule == null || rule.violations() < 1 || rule.violations() > rule.intervals() || rule.severity() == null) {
            errors.add(new SlaError("alertRule", SlaRule.ALERT_RULE_N_OF_M, String.valueOf(rule)));
        }
        return errors;
    }

    private static void checkLimits(String field, Limits limits, List<SlaError> errors) {
        notNegative(field + ".total", limits.total(), errors);
        notNegative(field + ".read", limits.read(), errors);
        notNegative(field + ".write", limits.write(), errors);
        if (limits.total() > 0) {
            if (limits.read() > limits.total()) {
                errors.add(new SlaError(
                        field + ".read",
                        SlaRule.DIRECTION_WITHIN_TOTAL,
                        "read " + limits.read() + " > total " + limits.total()));
            }
            if (limits.write() > limits.total()) {
                errors.add(new SlaError(
                        field + ".write",
                        SlaRule.DIRECTION_WITHIN_TOTAL,
                        "write " + limits.write() + " > total " + limits.total()));
            }
        }
    }

    private static void reservationWithin(String field, long reservation, Limits limits, List<SlaError> errors) {
        long limit = limits.effectiveTotal();
        if (limit > 0 && reservation > limit) {
            errors.add(new SlaError(
                    field, SlaRule.RESERVATION_WITHIN_LIMIT, "reservation " + reservation + " > limit " + limit));
        }
    }

    private static void checkBurst(Sla sla, List<SlaError> errors) {
        Burst burst = sla.burst();
        notNegative("burst.iops", burst.iops(), errors);
        notNegative("burst.bandwidth", burst.bandwidth(), errors);
        notNegative("burst.lengthMillis", burst.lengthMillis(), errors);
        if (burst.isSet() != (burst.lengthMillis() > 0)) {
            errors.add(new SlaError("burst.lengthMillis", SlaRule.BURST_LENGTH_REQUIRED, String.valueOf(burst)));
        }
        long iopsLimit = sla.iops().effectiveTotal();
        if (burst.iops() > 0 && iopsLimit > 0 && burst.iops() <= iopsLimit) {
            errors.add(new SlaError(
                    "burst.iops", SlaRule.BURST_ABOVE_LIMIT, "burst " + burst.iops() + " <= limit " + iopsLimit));
        }
        long bandwidthLimit = sla.bandwidth().effectiveTotal();
        if (burst.bandwidth() > 0 && bandwidthLimit > 0 && burst.bandwidth() <= bandwidthLimit) {
            errors.add(new SlaError(
                    "burst.bandwidth",
                    SlaRule.BURST_ABOVE_LIMIT,
                    "burst " + burst.bandwidth() + " <= limit " + bandwidthLimit));
        }
    }

    private static void checkLatency(LatencyObjective latency, List<SlaError> errors) {
        notNegative("latency.readMicros", latency.readMicros(), errors);
        notNegative("latency.writeMicros", latency.writeMicros(), errors);
        if (!latency.isSet()) {
            return;
        }
        if (!(latency.percentile() > 0 && latency.percentile() < 100)) {
            errors.add(
                    new SlaError("latency.percentile", SlaRule.PERCENTILE_RANGE, "percentile " + latency.percentile()));
        }
        if (latency.windowIntervals() < 1) {
            errors.add(new SlaError(
                    "latency.windowIntervals", SlaRule.LATENCY_WINDOW_REQUIRED, "window " + latency.windowIntervals()));
        }
    }

    private static void checkScaling(Sla sla, List<SlaError> errors) {
        CapacityScaling scaling = sla.scaling();
        notNegative("scaling.iopsPerTib", scaling.iopsPerTib(), errors);
        notNegative("scaling.minimumIops", scaling.minimumIops(), errors);
        long limit = sla.iops().effectiveTotal();
        if (scaling.isSet() && limit > 0 && scaling.minimumIops() > limit) {
            errors.add(new SlaError(
                    "scaling.minimumIops",
                    SlaRule.SCALING_MINIMUM_WITHIN_LIMIT,
                    "minimum " + scaling.minimumIops() + " > limit " + limit));
        }
    }

    /** IOPS, lengths and thresholds travel in unsigned 32-bit fields of THROTTLE_SET. */
    private static void fitsWire(String field, long value, List<SlaError> errors) {
        if (value > MAX_WIRE_VALUE) {
            errors.add(new SlaError(field, SlaRule.WIRE_RANGE, field + " " + value));
        }
    }

    private static void notNegative(String field, long value, List<SlaError> errors) {
        if (value < 0) {
            errors.add(new SlaError(field, SlaRule.NOT_NEGATIVE, field + " " + value));
        }
    }
}
