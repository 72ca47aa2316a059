package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage and SLAs the services start from, read from a JSON file until the database manager serves them (the
 * services load from it whenever its mailbox exists; the file stays the bootstrap for tests and standalone runs).
 * Example:
 *
 * <pre>{@code
 * {"backends": [{"id": "array-1", "nominalIops": 20000, "floorLatencyMicros": 200}],
 *  "volumes":  [{"volumeId": 1, "backendId": "array-1", "groups": [], "allocatedBytes": 1099511627776}],
 *  "slas":     [{"name": "gold", "scope": {"kind": "VOLUME", "id": "1"}, "reservedIops": 2000,
 *                "priority": "CRITICAL", "latency": {"percentile": 95, "readMicros": 2000, "writeMicros": 2000,
 *                "windowIntervals": 5}}]}
 * }</pre>
 *
 * {@code slas} is a short form; {@code specs} takes SLAs in the full form of JSON-CALLS.md (every limit, burst, size
 * normalization, capacity scaling, compliance target and alert rule). {@code forecastWarningDays} and
 * {@code forecastCriticalDays} set when a backend's capacity forecast raises an alert. Every SLA goes through the same
 * validation and admission control as an edit: a bad file is refused with the rule that failed.
 */
public record ServicesConfig(
        List<BackendProfile> backends,
        List<VolumePlacement> volumes,
        List<SlaSpec> slas,
        List<JsonNode> specs,
        Double forecastWarningDays,
        Double forecastCriticalDays) {
    /** Capacity forecast alerts: a warning when a backend is full within 30 days, critical within 7. */
    public static final double DEFAULT_WARNING_DAYS = 30;

    public static final double DEFAULT_CRITICAL_DAYS = 7;

    /** The subset of an SLA the file can carry today; 0 means "none" as everywhere in the SLA model. */
    public record SlaSpec(
            String name,
            Scope scope,
            long iopsLimit,
            long reservedIops,
            Integer weight,
            PriorityClass priority,
            LatencyObjective latency) {
        Sla toSla() {
            Sla.Builder builder = Sla.named(name).iopsLimit(iopsLimit).reservedIops(reservedIops);
            if (weight != null) {
                builder.weight(weight);
            }
            if (priority != null) {
                builder.priority(priority);
            }
            if (latency != null) {
                builder.latency(latency);
            }
            return builder.build();
        }
    }

    public ServicesConfig {
        backends = backends == null ? List.of() : List.copyOf(backends);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        slas = slas == null ? List.of() : List.copyOf(slas);
        specs = specs == null ? List.of() : List.copyOf(specs);
        forecastWarningDays = forecastWarningDays == null ? DEFAULT_WARNING_DAYS : forecastWarningDays;
        forecastCriticalDays = forecastCriticalDays == null ? DEFAULT_CRITICAL_DAYS : forecastCriticalDays;
    }

    public ServicesConfig(List<BackendProfile> backends, List<VolumePlacement> volumes, List<SlaSpec> slas) {
        this(backends, volumes, slas, null, null, null);
    }

    public static ServicesConfig read(Path file) throws IOException {
        return new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .readValue(file.toFile(), ServicesConfig.class);
    }

    void placeInto(Inventory inventory) {
        backends.forEach(inventory::addBackend);
        volumes.forEach(inventory::place);
    }

    /** The SLAs written in full (JSON-CALLS.md's spec), applied as version 1 documents. */
    void applySpecs(ServicesQueries queries) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        for (JsonNode spec : specs) {
            var doc = nodes.objectNode().put("name", spec.path("name").asText()).put("version", 1);
            doc.set("spec", spec);
            try {
                queries.documents().applySla(doc);
            } catch (CallProblem problem) {
                throw new IllegalArgumentException(
                        "SLA spec " + spec.path("name").asText() + " refused: "
                                + (problem.field() == null ? "" : problem.field() + ": ") + problem.getMessage());
            }
        }
    }

    void attachTo(PolicyBook book) {
        for (SlaSpec spec : slas) {
            book.attach(spec.scope(), spec.toSla());
        }
    }
}
