package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sluice.common.EpochClock;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.Role;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.OperationsSchemas;
import io.sluice.web.http.QueryParams;
import io.sluice.web.http.Routes;

/**
 * Manual throttles: an operator holds a volume to an IOPS and/or bandwidth limit until an expiry. The database manager
 * stores it first (with the audit record, in one transaction, and the throttle it replaces ended), then the SLA
 * services take the stored record and send exactly it for the volume from their next interval until it expires;
 * services that are away load it when they start. Cancelling goes the same way. The expiry is required and bounded (a
 * week at most), so a forgotten throttle ends by itself.
 */
public final class ThrottleApi {
    /** The longest a manual throttle may last; the database manager holds the same bound. */
    public static final long MAX_DURATION_MILLIS = 7L * 24 * 3_600_000;
    /** The largest IOPS limit the gateways take (a THROTTLE_SET carries an unsigned 32-bit field). */
    public static final long MAX_IOPS = 0xFFFF_FFFFL;
    /** The largest bandwidth limit taken: 1 TB/s, beyond any device. */
    public static final long MAX_BANDWIDTH = 1_000_000_000_000L;

    public static final int MAX_REASON_LENGTH = 200;

    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final EpochClock clock;

    public ThrottleApi(RoleCalls calls, JsonBodies bodies, EpochClock clock) {
        this.calls = calls;
        this.bodies = bodies;
        this.clock = clock;
    }

    public void register(Routes routes) {
        routes.get(
                        "/api/throttles",
                        Role.VIEWER,
                        "throttles",
                        "The manual throttles in force, with who set them and when they end",
                        (ctx, p) -> bodies.send(ctx, calls.db("throttle.list", p.actor(), calls.args())))
                .schemas(null, OperationsSchemas.THROTTLES)
                .post(
                        "/api/volumes/{volumeId}/throttle",
                        Role.OPERATOR,
                        "throttles",
                        "Hold a volume to an IOPS and/or bandwidth limit until an expiry"
                                + " (replaces its throttle in force)",
                        this::set)
                .schemas(OperationsSchemas.THROTTLE_REQUEST, OperationsSchemas.THROTTLE)
                .delete(
                        "/api/volumes/{volumeId}/throttle",
                        Role.OPERATOR,
                        "throttles",
                        "End the volume's manual throttle; the SLA services take the volume back",
                        this::cancel)
                .schemas(null, OperationsSchemas.THROTTLE);
    }

    private void set(Context ctx, Principal p) {
        int volumeId = volumeId(ctx);
        ObjectNode body = bodies.object(ctx);
        long now = clock.epochMillis();
        long iops = optionalLimit(body, "iopsLimit", MAX_IOPS);
        long bandwidth = optionalLimit(body, "bandwidthLimit", MAX_BANDWIDTH);
        if (iops == 0 && bandwidth == 0) {
            throw refused("iopsLimit", "a-limit", "a manual throttle needs an iopsLimit, a bandwidthLimit or both");
        }
        long expiresAt = expiry(body, now);
        String reason = "";
        if (body.has("reason") && !body.get("reason").isNull()) {
            if (!body.get("reason").isTextual() || body.get("reason").asText().length() > MAX_REASON_LENGTH) {
                throw refused(
                        "reason", "max-length", "reason must be text of at most " + MAX_REASON_LENGTH + " characters");
            }
            reason = body.get("reason").asText();
        }
        ObjectNode args = calls.args().put("volumeId", volumeId).put("expiresAt", expiresAt);
        if (iops > 0) {
            args.put("iopsLimit", iops);
        }
        if (bandwidth > 0) {
            args.put("bandwidthLimit", bandwidth);
        }
        if (!reason.isEmpty()) {
            args.put("reason", reason);
        }
        ObjectNode stored;
        try {
            stored = (ObjectNode) calls.db("throttle.set", p.actor(), args);
        } catch (ApiProblem e) {
            if (e.status() == 404) {
                throw refused("volumeId", "known-volume", "no volume " + volumeId + " is registered");
            }
            throw e;
        }
        stored.put("applied", apply("throttle.apply", p, calls.args().set("throttle", stored.deepCopy())));
        bodies.send(ctx, 201, stored);
    }

    private void cancel(Context ctx, Principal p) {
        int volumeId = volumeId(ctx);
        ObjectNode ended =
                (ObjectNode) calls.db("throttle.cancel", p.actor(), calls.args().put("volumeId", volumeId));
        ended.put(
                "applied",
                apply(
                        "throttle.cancel",
                        p,
                        calls.args()
                                .put("volumeId", volumeId)
                                .put("id", ended.path("id").asLong())));
        bodies.send(ctx, ended);
    }

    /**
     * Hands the stored change to the SLA services; false while they are away (they load the throttles in force when
     * they start), so the stored change stands either way.
     */
    private boolean apply(String op, Principal p, ObjectNode args) {
        try {
            calls.services(op, p.actor(), args);
            return true;
        } catch (ApiProblem e) {
            if (e.status() == 503) {
                return false;
            }
            throw e;
        }
    }

    private static int volumeId(Context ctx) {
        long id = QueryParams.pathLong(ctx, "volumeId", 1);
        if (id > Integer.MAX_VALUE) {
            throw refused("volumeId", "range", "volume ids are 1.." + Integer.MAX_VALUE);
        }
        return (int) id;
    }

    /** A limit in 1..max, or 0 when the body leaves it out. */
    private static long optionalLimit(JsonNode body, String field, long max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1 || value.asLong() > max) {
            throw refused(field, "range", field + " must be a whole number in 1.." + max);
        }
        return value.asLong();
    }

    /** The expiry, as expiresAt (epoch milliseconds) or durationSeconds, exactly one; after now, within a week. */
    private static long expiry(JsonNode body, long now) {
        JsonNode at = body.get("expiresAt");
        JsonNode duration = body.get("durationSeconds");
        boolean hasAt = at != null && !at.isNull();
        boolean hasDuration = duration != null && !duration.isNull();
        if (hasAt == hasDuration) {
            throw refused(
                    "expiresAt", "one-expiry", "give the expiry as expiresAt or as durationSeconds (one of them)");
        }
        long max = MAX_DURATION_MILLIS / 1_000;
        if (hasDuration) {
            if (!duration.isIntegralNumber()
                    || !duration.canConvertToLong()
                    || duration.asLong() < 1
                    || duration.asLong() > max) {
                throw refused("durationSeconds", "range", "durationSeconds must be a whole number in 1.." + max);
            }
            return now + duration.asLong() * 1_000;
        }
        if (!at.isIntegralNumber() || !at.canConvertToLong()) {
            throw refused("expiresAt", "integer", "expiresAt must be epoch milliseconds");
        }
        if (at.asLong() <= now) {
            throw refused("expiresAt", "future", "expiresAt must be after now (" + now + ")");
        }
        if (at.asLong() > now + MAX_DURATION_MILLIS) {
            throw refused("expiresAt", "range", "expiresAt must be at most " + max / 3_600 + " hours ahead");
        }
        return at.asLong();
    }

    /** Input a manual throttle cannot have: HTTP 400, typed, naming the field and the rule it broke. */
    private static ApiProblem refused(String field, String rule, String detail) {
        return new ApiProblem(400, "invalid-throttle", "Invalid manual throttle", detail, field, rule, null);
    }
}
