package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.services.Backend;
import io.sluice.services.Inventory;
import io.sluice.services.LatencyObjective;
import io.sluice.services.PolicyBook;
import io.sluice.services.PriorityClass;
import io.sluice.services.Scope;
import io.sluice.services.Sla;
import io.sluice.services.VolumePlacement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage and SLAs the services start from, read from a JSON file until the database manager
 * serves them (issue 6). Example:
 * <pre>{@code
 * {"backends": [{"id": "array-1", "nominalIops": 20000, "floorLatencyMicros": 200}],
 *  "volumes":  [{"volumeId": 1, "backendId": "array-1", "groups": [], "allocatedBytes": 1099511627776}],
 *  "slas":     [{"name": "gold", "scope": {"kind": "VOLUME", "id": "1"}, "reservedIops": 2000,
 *                "priority": "CRITICAL", "latency": {"percentile": 95, "readMicros": 2000, "writeMicros": 2000,
 *                "windowIntervals": 5}}]}
 * }</pre>
 * Every SLA goes through the same validation and admission control as an edit: a bad file is refused
 * with the rule that failed.
 */
public record ServicesConfig(List<Backend> backends, List<VolumePlacement> volumes, List<SlaSpec> slas) {
    /** The subset of an SLA the file can carry today; 0 means "none" as everywhere in the SLA model. */
    public record SlaSpec(String name, Scope scope, long iopsLimit, long reservedIops, Integer weight,
                          PriorityClass priority, LatencyObjective latency) {
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
    }

    public static ServicesConfig read(Path file) throws IOException {
        return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .readValue(file.toFile(), ServicesConfig.class);
    }

    void placeInto(Inventory inventory) {
        backends.forEach(inventory::addBackend);
        volumes.forEach(inventory::place);
    }

    void attachTo(PolicyBook book) {
        for (SlaSpec spec : slas) {
            book.attach(spec.scope(), spec.toSla());
        }
    }
}
