package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sluice.common.EpochClock;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.Role;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.ApiSchemas;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.MonitoringSchemas;
import io.sluice.web.http.QueryParams;
import io.sluice.web.http.Routes;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Volumes, live statistics, history, compliance, alerts and capacity forecasts. */
public final class MonitoringApi {
    private static final Set<String> RESOLUTIONS = Set.of("1s", "1m", "1h");
    private static final Set<String> DIRECTIONS = Set.of("READ", "WRITE");
    private static final long DAY = 86_400_000L;
    private static final int SMALLEST_PAGE = 25;

    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final EpochClock clock;

    public MonitoringApi(RoleCalls calls, JsonBodies bodies, EpochClock clock) {
        this.calls = calls;
        this.bodies = bodies;
        this.clock = clock;
    }

    /** Volumes per page of {@code /api/volumes}: the database manager's page. */
    static final int VOLUME_PAGE = 1_000;
    /** The longest search text {@code q} of {@code /api/volumes}. */
    static final int MAX_MATCH = 200;
    /** The services' live page asked for: 500 items fit a slot of their query mailbox. */
    static final int LIVE_PAGE = 500;

    public void register(Routes routes) {
        routes.get(
                        "/api/volumes",
                        Role.VIEWER,
                        "volumes",
                        "Volumes with their latest live statistics, a page at a time (limit, after), optionally only those matching q",
                        this::volumes)
                .query("limit", "volumes per page, 1.." + VOLUME_PAGE)
                .query("after", "the next of the previous page")
                .query(
                        "q",
                        "only volumes whose name, export name, gateway name or id contains this text, ignoring case (at most "
                                + MAX_MATCH + " characters)")
                .schemas(null, MonitoringSchemas.VOLUMES)
                .get(
                        "/api/volumes/{volumeId}/history",
                        Role.VIEWER,
                        "volumes",
                        "Stored samples of a volume at a chosen resolution (from, to, resolution, direction)",
                        this::history)
                .schemas(null, MonitoringSchemas.SAMPLES)
                .get(
                        "/api/live/volumes",
                        Role.VIEWER,
                        "live",
                        "The latest interval of every volume",
                        (ctx, p) -> bodies.send(ctx, calls.services("live.volumes", p.actor(), calls.args())))
                .schemas(null, MonitoringSchemas.LIVE_VOLUMES)
                .get(
                        "/api/live/volumes/{volumeId}",
                        Role.VIEWER,
                        "live",
                        "A volume's last seconds (seconds <= 600)",
                        this::liveVolume)
                .schemas(null, MonitoringSchemas.LIVE_SERIES)
                .get(
                        "/api/live/groups",
                        Role.VIEWER,
                        "live",
                        "The latest interval of every group",
                        (ctx, p) -> bodies.send(ctx, calls.services("live.groups", p.actor(), calls.args())))
                .schemas(null, MonitoringSchemas.LIVE_GROUPS)
                .get(
                        "/api/compliance",
                        Role.VIEWER,
                        "compliance",
                        "Every SLA's compliance now: met, at risk or violated",
                        (ctx, p) -> bodies.send(ctx, calls.services("compliance.live", p.actor(), calls.args())))
                .schemas(null, ApiSchemas.COMPLIANCE)
                .get(
                        "/api/compliance/report",
                        Role.VIEWER,
                        "compliance",
                        "Compliance report over a period (format=json|csv)",
                        this::report)
                .schemas(null, MonitoringSchemas.REPORT)
                .get("/api/alerts", Role.VIEWER, "alerts", "Alerts (state=OPEN|CLEARED)", this::alerts)
                .schemas(null, MonitoringSchemas.ALERTS)
                .action("/api/alerts/{id}/ack", Role.OPERATOR, "alerts", "Acknowledge an alert", this::acknowledge)
                .schemas(null, MonitoringSchemas.ALERT)
                .get(
                        "/api/forecasts",
                        Role.VIEWER,
                        "capacity",
                        "Days until each backend is full",
                        (ctx, p) -> bodies.send(ctx, calls.services("forecast.list", p.actor(), calls.args())))
                .schemas(null, MonitoringSchemas.FORECASTS);
    }

    /**
     * A page of the registry's volumes ({@code limit}, {@code after} = the previous page's {@code next}, {@code q} =
     * text to match, which the database manager applies as {@code match}), each with its live interval.
     */
    private void volumes(Context ctx, Principal p) {
        ObjectNode page = calls.args().put("limit", QueryParams.intParam(ctx, "limit", VOLUME_PAGE, 1, VOLUME_PAGE));
        String after = ctx.queryParam("after");
        if (after != null) {
            if (!after.matches("\\d{1,10}")) {
                throw ApiProblem.invalid("after", "cursor", "after must be the next of a previous page");
            }
            page.put("after", after);
        }
        String match = match(ctx);
        if (match != null) {
            page.put("match", match);
        }
        JsonNode registry = calls.db("volume.list", p.actor(), page);
        JsonNode rows = registry.path("items");
        Map<Long, JsonNode> live = new HashMap<>();
        boolean liveKnown = true;
        try {
            // The live view pages by volume id too: from the same start, until past the registry page's last volume.
            long last = rows.isEmpty()
                    ? 0
                    : rows.get(rows.size() - 1).path("volumeId").asLong();
            String liveAfter = after;
            while (!rows.isEmpty()) {
                ObjectNode livePage = calls.args().put("limit", LIVE_PAGE);
                if (liveAfter != null) {
                    livePage.put("after", liveAfter);
                }
                JsonNode answer = calls.services("live.volumes", p.actor(), livePage);
                for (JsonNode v : answer.path("items")) {
                    live.put(v.path("volumeId").asLong(), v);
                }
                liveAfter =
                        answer.path("next").isTextual() ? answer.path("next").asText() : null;
                if (liveAfter == null || Long.parseLong(liveAfter) >= last) {
                    break;
                }
            }
        } catch (ApiProblem e) {
            liveKnown = false;
        }
        ArrayNode items = bodies.mapper().createArrayNode();
        for (JsonNode v : rows) {
            ObjectNode row = (ObjectNode) v.deepCopy();
            row.set("live", live.get(v.path("volumeId").asLong()));
            items.add(row);
        }
        ObjectNode answer = bodies.mapper().createObjectNode();
        answer.set("items", items);
        answer.set("next", registry.path("next"));
        answer.put("liveKnown", liveKnown);
        bodies.send(ctx, answer);
    }

    /** The {@code q} parameter, or null when absent or blank: a person's search text, so bounded and printable. */
    private static String match(Context ctx) {
        String q = ctx.queryParam("q");
        if (q == null || q.isBlank()) {
            return null;
        }
        if (q.length() > MAX_MATCH) {
            throw ApiProblem.invalid("q", "max-length", "q must be at most " + MAX_MATCH + " characters");
        }
        if (q.chars().anyMatch(Character::isISOControl)) {
            throw ApiProblem.invalid("q", "printable", "q must not contain control characters");
        }
        return q.strip();
    }

    private void liveVolume(Context ctx, Principal p) {
        long id = QueryParams.pathLong(ctx, "volumeId", 0);
        int seconds = QueryParams.intParam(ctx, "seconds", 60, 1, 600);
        bodies.send(
                ctx,
                calls.services(
                        "live.volume",
                        p.actor(),
                        calls.args().put("volumeId", id).put("seconds", seconds)));
    }

    private void history(Context ctx, Principal p) {
        long id = QueryParams.pathLong(ctx, "volumeId", 0);
        long to = QueryParams.longParam(ctx, "to", clock.epochMillis());
        long from = QueryParams.longParam(ctx, "from", to - 3_600_000L);
        if (from >= to) {
            throw ApiProblem.invalid("from", "before-to", "from must be earlier than to");
        }
        ObjectNode args = calls.args().put("volumeId", id).put("from", from).put("to", to);
        String resolution = QueryParams.oneOf(ctx, "resolution", null, RESOLUTIONS);
        if (resolution != null) {
            args.put("resolution", resolution);
        }
        String direction = QueryParams.oneOf(ctx, "direction", null, DIRECTIONS);
        if (direction != null) {
            args.put("direction", direction);
        }
        int limit = QueryParams.intParam(ctx, "limit", 800, 1, 100_000);
        String after = ctx.queryParam("after");
        if (after != null && after.length() <= 200) {
            args.put("after", after);
        }
        bodies.send(ctx, samplesPage(p, args, limit));
    }

    /**
     * One page of samples. A page that does not fit a mailbox slot is asked for again at half the size (down to
     * {@value #SMALLEST_PAGE} points); the answer's {@code next} leads to the rest.
     */
    private JsonNode samplesPage(Principal p, ObjectNode args, int limit) {
        int size = limit;
        while (true) {
            try {
                return calls.db("samples.range", p.actor(), args.deepCopy().put("limit", size));
            } catch (ApiProblem e) {
                if (e.status() != 413 || size <= SMALLEST_PAGE) {
                    throw e;
                }
                size = Math.max(SMALLEST_PAGE, size / 2);
            }
        }
    }

    private void report(Context ctx, Principal p) {
        long to = QueryParams.longParam(ctx, "to", clock.epochMillis());
        long from = QueryParams.longParam(ctx, "from", to - 30 * DAY);
        if (from >= to) {
            throw ApiProblem.invalid("from", "before-to", "from must be earlier than to");
        }
        String format = QueryParams.oneOf(ctx, "format", "json", Set.of("json", "csv"));
        ObjectNode args = calls.args().put("from", from).put("to", to);
        String sla = ctx.queryParam("sla");
        if (sla != null && !sla.isEmpty()) {
            args.put("sla", JsonBodies.checkName("sla", sla));
        }
        String tenant = ctx.queryParam("tenant");
        if (tenant != null && !tenant.isEmpty()) {
            args.put("tenant", JsonBodies.checkName("tenant", tenant));
        }
        JsonNode report = calls.db("compliance.report", p.actor(), args);
        if (format.equals("csv")) {
            ctx.header("Content-Disposition", "attachment; filename=\"sluice-compliance-" + from + "-" + to + ".csv\"");
            ctx.contentType("text/csv; charset=utf-8").result(ComplianceCsv.render(report));
        } else {
            bodies.send(ctx, report);
        }
    }

    private void alerts(Context ctx, Principal p) {
        ObjectNode args = calls.args();
        String state = QueryParams.oneOf(ctx, "state", null, Set.of("OPEN", "CLEARED"));
        if (state != null) {
            args.put("state", state);
        }
        Integer limit = QueryParams.intParam(ctx, "limit", null, 1, 1000);
        if (limit != null) {
            args.put("limit", limit);
        }
        String after = ctx.queryParam("after");
        if (after != null && after.length() <= 200) {
            args.put("after", after);
        }
        bodies.send(ctx, calls.db("alert.list", p.actor(), args));
    }

    /**
     * Through the services, which hold the open alerts they raised and store the acknowledgement; straight to the
     * database when the services are away, so an operator can still acknowledge, or when they do not hold the alert
     * (raised by another process, or before they last started).
     */
    private void acknowledge(Context ctx, Principal p) {
        long id = QueryParams.pathLong(ctx, "id", 0);
        JsonNode alert;
        try {
            alert = calls.services("alert.ack", p.actor(), calls.args().put("id", id));
        } catch (ApiProblem e) {
            if (e.status() != 503 && e.status() != 404) {
                throw e;
            }
            alert = calls.db("alert.ack", p.actor(), calls.args().put("id", id));
        }
        bodies.send(ctx, alert);
    }
}
