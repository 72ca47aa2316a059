package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.services.control.ManualThrottle;
import io.sluice.services.control.ManualThrottles;

/**
 * The services' side of operators' manual throttles ({@code throttle.apply}, {@code throttle.cancel},
 * {@code throttle.list} of JSON-CALLS.md): the application server stores a throttle with the database manager first
 * (who, when, the audit record), then applies the stored record here; the startup load applies every one in force. The
 * analyzer reads {@link ManualThrottles} at each interval, so an applied throttle is sent at the next one.
 *
 * <p>Not thread-safe: runs on the services' loop thread.
 */
final class ManualThrottleCalls {
    private final ManualThrottles throttles;
    private final EpochClock clock;
    private final ObjectMapper json;

    ManualThrottleCalls(ManualThrottles throttles, EpochClock clock, ObjectMapper json) {
        this.throttles = throttles;
        this.clock = clock;
        this.json = json;
    }

    /** A stored throttle record (the database manager's {@code throttle.set} answer) put in force. */
    JsonNode apply(JsonNode record) {
        JsonNode stored = record.has("throttle") ? record.get("throttle") : record;
        ManualThrottle throttle = new ManualThrottle(
                number(stored, "id"),
                (int) number(stored, "volumeId"),
                number(stored, "iopsLimit"),
                number(stored, "bandwidthLimit"),
                text(stored, "setBy"),
                number(stored, "setAt"),
                number(stored, "expiresAt"),
                stored.path("reason").asText(""));
        if (throttle.volumeId() <= 0
                || throttle.iopsLimit() < 0
                || throttle.bandwidthLimit() < 0
                || throttle.iopsLimit() == 0 && throttle.bandwidthLimit() == 0) {
            throw CallProblem.invalid("throttle", "limits", "a manual throttle needs a volume and a positive limit");
        }
        long now = clock.epochMillis();
        throttles.put(throttle, now);
        return describe(throttle).put("inForce", throttle.inForce(now));
    }

    /** Ends the volume's throttle ({@code id}: only that one, so a late cancel cannot end a newer throttle). */
    JsonNode cancel(JsonNode call) {
        int volumeId = (int) number(call, "volumeId");
        long id = call.path("id").asLong(0);
        return json.createObjectNode().put("volumeId", volumeId).put("cancelled", throttles.cancel(volumeId, id));
    }

    JsonNode list() {
        ObjectNode result = json.createObjectNode();
        for (ManualThrottle throttle : throttles.all(clock.epochMillis())) {
            result.withArray("items").add(describe(throttle));
        }
        if (!result.has("items")) {
            result.putArray("items");
        }
        return result;
    }

    /** The throttle as the API shows it; {@code manual} in a live volume. */
    ObjectNode describe(ManualThrottle throttle) {
        return json.createObjectNode()
                .put("id", throttle.id())
                .put("volumeId", throttle.volumeId())
                .put("iopsLimit", throttle.iopsLimit())
                .put("bandwidthLimit", throttle.bandwidthLimit())
                .put("setBy", throttle.setBy())
                .put("setAt", throttle.setAt())
                .put("expiresAt", throttle.expiresAt())
                .put("reason", throttle.reason());
    }

    /** The volume's throttle in force, for the live views; null when none. */
    ManualThrottle inForce(int volumeId) {
        return throttles.inForce(volumeId, clock.epochMillis());
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw CallProblem.invalid(field, "integer", field + " must be an integer");
        }
        return value.asLong();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw CallProblem.invalid(field, "non-empty-string", field + " must be a non-empty string");
        }
        return value.asText();
    }
}
