package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.services.compliance.AlertRule;
import io.sluice.services.compliance.Severity;
import io.sluice.services.sla.Burst;
import io.sluice.services.sla.CapacityScaling;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.Limits;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.services.sla.SlaError;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads the SLA spec of JSON-CALLS.md into the SLA model, and names the spec's fields in the model's errors, so a
 * caller is told about the field it sent ({@code readIopsLimit}), not the one the model holds ({@code iops.read}).
 * Every field is optional except {@code name}; 0 means none. A field of the wrong type, out of its type's range, or
 * unknown is refused with the field named.
 */
final class SlaSpecCodec {
    /** The spec states capacity scaling per TB (10^12 bytes); the model per TiB. */
    private static final double TIB_PER_TB = (double) (1L << 40) / 1e12;

    private static final Set<String> FIELDS = Set.of(
            "name",
            "scope",
            "iopsLimit",
            "readIopsLimit",
            "writeIopsLimit",
            "bandwidthLimit",
            "readBandwidthLimit",
            "writeBandwidthLimit",
            "burst",
            "normalizeBytes",
            "reservedIops",
            "reservedBandwidth",
            "weight",
            "priority",
            "latency",
            "capacityScaling",
            "compliance");

    /** Model field (as {@link SlaError} names it) to spec field. */
    private static final Map<String, String> SPEC_FIELD = Map.ofEntries(
            Map.entry("iops.total", "iopsLimit"),
            Map.entry("iops.read", "readIopsLimit"),
            Map.entry("iops.write", "writeIopsLimit"),
            Map.entry("bandwidth.total", "bandwidthLimit"),
            Map.entry("bandwidth.read", "readBandwidthLimit"),
            Map.entry("bandwidth.write", "writeBandwidthLimit"),
            Map.entry("burst.lengthMillis", "burst.seconds"),
            Map.entry("sizeNormalizationBytes", "normalizeBytes"),
            Map.entry("scaling.iopsPerTib", "capacityScaling.iopsPerTb"),
            Map.entry("scaling.minimumIops", "capacityScaling.minimumIops"),
            Map.entry("complianceTarget", "compliance.targetPercent"),
            Map.entry("alertRule", "compliance.alertAfter"));

    /**
     * An SLA as a spec describes it, and where the spec attaches it (null: defined, attached nowhere yet, or a volume
     * given by name only: {@code volumeName}, for the caller to resolve).
     */
    record Parsed(Sla sla, Scope scope, String volumeName) {}

    private SlaSpecCodec() {}

    /** The spec field a model error is about. */
    static String specField(SlaError error) {
        return SPEC_FIELD.getOrDefault(error.field(), error.field());
    }

    static Parsed read(JsonNode spec, long version) {
        if (spec == null || !spec.isObject()) {
            throw CallProblem.invalid("spec", "object", "the SLA spec must be a JSON object");
        }
        rejectUnknown(spec, FIELDS, "");
        JsonNode name = spec.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw CallProblem.invalid("name", "required", "an SLA needs a name");
        }
        Sla.Builder sla = Sla.named(name.asText())
                .version(version)
                .iops(new Limits(count(spec, "iopsLimit"), count(spec, "readIopsLimit"), count(spec, "writeIopsLimit")))
                .bandwidth(new Limits(
                        count(spec, "bandwidthLimit"),
                        count(spec, "readBandwidthLimit"),
                        count(spec, "writeBandwidthLimit")))
                .sizeNormalization(count(spec, "normalizeBytes"))
                .reservedIops(count(spec, "reservedIops"))
                .reservedBandwidth(count(spec, "reservedBandwidth"));
        if (spec.hasNonNull("weight")) {
            sla.weight((int) Math.min(Integer.MAX_VALUE, Math.max(Integer.MIN_VALUE, count(spec, "weight"))));
        }
        if (spec.hasNonNull("priority")) {
            sla.priority(enumValue(spec, "priority", PriorityClass.class));
        }
        JsonNode burst = object(spec, "burst", Set.of("iops", "bandwidth", "seconds"));
        if (burst != null) {
            sla.burst(new Burst(
                    count(burst, "iops", "burst."),
                    count(burst, "bandwidth", "burst."),
                    Math.multiplyExact(count(burst, "seconds", "burst."), 1000L)));
        }
        JsonNode latency =
                object(spec, "latency", Set.of("percentile", "readMicros", "writeMicros", "windowIntervals"));
        if (latency != null) {
            sla.latency(new LatencyObjective(
                    number(latency, "percentile", "latency.", 99),
                    count(latency, "readMicros", "latency."),
                    count(latency, "writeMicros", "latency."),
                    (int) Math.min(Integer.MAX_VALUE, count(latency, "windowIntervals", "latency.", 1))));
        }
        JsonNode scaling = object(spec, "capacityScaling", Set.of("iopsPerTb", "basis", "minimumIops"));
        if (scaling != null) {
            CapacityScaling.Basis basis = scaling.hasNonNull("basis")
                    ? enumValue(scaling, "basis", "capacityScaling.", CapacityScaling.Basis.class)
                    : CapacityScaling.Basis.ALLOCATED;
            sla.scaling(new CapacityScaling(
                    Math.round(count(scaling, "iopsPerTb", "capacityScaling.") * TIB_PER_TB),
                    count(scaling, "minimumIops", "capacityScaling."),
                    basis));
        }
        JsonNode compliance =
                object(spec, "compliance", Set.of("targetPercent", "alertAfter", "alertWindow", "severity"));
        if (compliance != null) {
            sla.complianceTarget(number(compliance, "targetPercent", "compliance.", 99) / 100);
            Severity severity = compliance.hasNonNull("severity")
                    ? enumValue(compliance, "severity", "compliance.", Severity.class)
                    : AlertRule.DEFAULT.severity();
            sla.alertRule(new AlertRule(
                    (int) Math.min(
                            Integer.MAX_VALUE,
                            count(compliance, "alertAfter", "compliance.", AlertRule.DEFAULT.violations())),
                    (int) Math.min(
                            Integer.MAX_VALUE,
                            count(compliance, "alertWindow", "compliance.", AlertRule.DEFAULT.intervals())),
                    severity));
        }
        JsonNode scope = object(spec, "scope", Set.of("kind", "id", "name"));
        return new Parsed(sla.build(), scope(scope), scope == null ? null : volumeName(scope));
    }

    /** The name a volume scope gives ({@code scope.name}), when it gives no id; else null. */
    private static String volumeName(JsonNode scope) {
        JsonNode name = scope.get("name");
        if (name == null || name.isNull()) {
            return null;
        }
        if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 330) {
            throw CallProblem.invalid("scope.name", "volume-name", "a volume's name is 1..330 characters of text");
        }
        if (!"VOLUME".equals(scope.path("kind").asText())) {
            throw CallProblem.invalid(
                    "scope.name", "volume-only", "only a VOLUME scope is given by name; a group's id is its name");
        }
        return scope.has("id") ? null : name.asText();
    }

    private static Scope scope(JsonNode scope) {
        if (scope == null) {
            return null;
        }
        Scope.Kind kind = enumValue(scope, "kind", "scope.", Scope.Kind.class);
        JsonNode id = scope.get("id");
        if (kind == Scope.Kind.VOLUME && id == null && scope.hasNonNull("name")) {
            return null;
        }
        if (id == null
                || !(id.isTextual() || id.isIntegralNumber())
                || id.asText().isBlank()) {
            throw CallProblem.invalid(
                    "scope.id", "required", "a scope needs an id (a volume's may be given by name instead)");
        }
        if (kind == Scope.Kind.VOLUME) {
            try {
                Integer.parseInt(id.asText());
            } catch (NumberFormatException e) {
                throw CallProblem.invalid("scope.id", "volume-id", "a volume scope's id is a volume id (an int)");
            }
        }
        return new Scope(kind, id.asText());
    }

    static void rejectUnknown(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!known.contains(field)) {
                throw CallProblem.invalid(prefix + field, "unknown-field", "no such field: " + prefix + field);
            }
        }
    }

    private static JsonNode object(JsonNode parent, String field, Set<String> known) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw CallProblem.invalid(field, "object", field + " must be a JSON object");
        }
        rejectUnknown(node, known, field + ".");
        return node;
    }

    private static long count(JsonNode parent, String field) {
        return count(parent, field, "", 0);
    }

    private static long count(JsonNode parent, String field, String prefix) {
        return count(parent, field, prefix, 0);
    }

    /** A whole number; negative values pass, so the model's validation names them with its rule. */
    private static long count(JsonNode parent, String field, String prefix, long absent) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw CallProblem.invalid(
                    prefix + field, "integer", prefix + field + " must be a whole number, was " + node);
        }
        return node.asLong();
    }

    private static double number(JsonNode parent, String field, String prefix, double absent) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isNumber()) {
            throw CallProblem.invalid(prefix + field, "number", prefix + field + " must be a number, was " + node);
        }
        return node.asDouble();
    }

    private static <E extends Enum<E>> E enumValue(JsonNode parent, String field, Class<E> type) {
        return enumValue(parent, field, "", type);
    }

    static <E extends Enum<E>> E enumValue(JsonNode parent, String field, String prefix, Class<E> type) {
        JsonNode node = parent.get(field);
        if (node != null && node.isTextual()) {
            for (E value : type.getEnumConstants()) {
                if (value.name().equals(node.asText())) {
                    return value;
                }
            }
        }
        throw CallProblem.invalid(
                prefix + field,
                "one-of",
                prefix + field + " must be one of " + Arrays.toString(type.getEnumConstants()) + ", was " + node);
    }
}
