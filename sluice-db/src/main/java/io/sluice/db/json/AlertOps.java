package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.AlertRepository;
import io.sluice.db.store.Database;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code alert.*} and {@code audit.*}: alerts with acknowledgement, and the audit log. */
final class AlertOps extends OpGroup {
    static final Set<String> SEVERITIES = Set.of("INFO", "WARNING", "CRITICAL");
    static final Set<String> ALERT_STATES = Set.of("OPEN", "CLEARED");
    private final AlertRepository alerts = new AlertRepository();

    AlertOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("alert.upsert", (a, actor) -> upsertAlert(a));
        ops.put("alert.list", (a, actor) -> listAlerts(a));
        ops.put("alert.ack", this::acknowledgeAlert);
        ops.put("audit.append", this::appendAudit);
        ops.put("audit.list", (a, actor) -> listAudit(a));
    }

    private JsonNode upsertAlert(Args a) throws SQLException {
        String key = a.string("key");
        String severity = a.oneOf("severity", SEVERITIES);
        String message = a.string("message");
        String state = a.oneOf("state", ALERT_STATES);
        long at = a.longValue("at");
        ObjectNode alert = tx(c -> alerts.upsert(c, key, severity, message, state, at));
        if (alert == null) {
            throw DbProblem.notFound("no open alert " + key + " to clear");
        }
        return alert;
    }

    private JsonNode listAlerts(Args a) throws SQLException {
        String state = a.optOneOf("state", ALERT_STATES, null);
        int limit = a.limit(100, 1000);
        Long after = a.cursor();
        List<ObjectNode> page = tx(c -> alerts.list(c, state, after, limit));
        ObjectNode result = items(page);
        result.put(
                "next",
                page.size() == limit ? String.valueOf(page.getLast().get("id").asLong()) : null);
        return result;
    }

    private JsonNode acknowledgeAlert(Args a, String actor) throws SQLException {
        long id = a.longValue("id");
        long now = clock.epochMillis();
        return tx(c -> {
            if (alerts.get(c, id) == null) {
                throw DbProblem.notFound("alert " + id);
            }
            ObjectNode alert = alerts.acknowledge(c, id, actor, now);
            audit.append(c, now, actor, "alert.ack", "alert:" + id, null);
            return alert;
        });
    }

    private JsonNode appendAudit(Args a, String actor) throws SQLException {
        String action = a.string("action");
        String target = a.string("target");
        ObjectNode detail = a.optObject("detail");
        long now = clock.epochMillis();
        long id = tx(c -> audit.append(c, now, actor, action, target, detail == null ? null : detail.toString()));
        return mapper.createObjectNode().put("id", id);
    }

    private JsonNode listAudit(Args a) throws SQLException {
        int limit = a.limit(100, 1000);
        Long after = a.cursor();
        // "actor" is the envelope's (who asks); the filter has its own name.
        String byActor = a.optString("byActor", null);
        List<ObjectNode> page = tx(c -> audit.list(c, after, byActor, limit));
        for (ObjectNode record : page) {
            JsonNode detail = record.get("detail");
            record.set("detail", detail == null || detail.isNull() ? null : parse(detail.asText()));
        }
        ObjectNode result = items(page);
        result.put(
                "next",
                page.size() == limit ? String.valueOf(page.getLast().get("id").asLong()) : null);
        return result;
    }
}
