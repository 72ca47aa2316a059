package io.sluice.db.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.store.AccountRepository;
import io.sluice.db.store.AlertRepository;
import io.sluice.db.store.AuditRepository;
import io.sluice.db.store.ComplianceRepository;
import io.sluice.db.store.ComplianceResult;
import io.sluice.db.store.ComplianceTally;
import io.sluice.db.store.Database;
import io.sluice.db.store.DocRepository;
import io.sluice.db.store.RegistryRepository;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.SamplePoint;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.SqlWork;
import io.sluice.db.store.VersionConflictException;
import io.sluice.db.store.VersionedDoc;
import io.sluice.db.store.VolumeSummary;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The operations of JSON-CALLS.md's database manager table: each parses its arguments, runs one
 * transaction (with the audit record of a change inside it) and returns its result object. Problems
 * are thrown as {@link DbProblem}. Safe to call from many threads: all state is in the database.
 */
public final class DbOps {
    static final Set<String> GATEWAY_STATES = Set.of("APPROVED", "PENDING", "REVOKED", "REJECTED");
    static final Set<String> DIRECTIONS = Set.of("READ", "WRITE");
    static final Set<String> RESOLUTIONS = Set.of("1s", "1m", "1h");
    static final Set<String> DIMENSIONS = Set.of("LIMIT", "RESERVATION", "LATENCY");
    static final Set<String> VERDICTS = Set.of("MET", "MISSED", "NOT_APPLICABLE");
    static final Set<String> SCOPE_KINDS = Set.of("VOLUME", "TENANT", "HOST", "POOL");
    static final Set<String> SEVERITIES = Set.of("INFO", "WARNING", "CRITICAL");
    static final Set<String> ALERT_STATES = Set.of("OPEN", "CLEARED");
    static final Set<String> ROLES = Set.of("ADMIN", "OPERATOR", "VIEWER");
    /** The compliance target of an SLA whose spec names none. */
    static final double DEFAULT_TARGET_PERCENT = 99.0;

    @FunctionalInterface
    interface Op {
        JsonNode run(Args args, String actor) throws SQLException;
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Database database;
    private final EpochClock clock;
    private final Supplier<IngestionStatus> ingestion;
    private final DocRepository docs = new DocRepository();
    private final RegistryRepository registry = new RegistryRepository();
    private final SampleRepository samples;
    private final ComplianceRepository compliance = new ComplianceRepository();
    private final AlertRepository alerts = new AlertRepository();
    private final AuditRepository audit = new AuditRepository();
    private final AccountRepository accounts = new AccountRepository();
    private final Map<String, Op> ops = new HashMap<>();
    /** Ops whose answer is a page, which {@code JsonCalls} may shrink until it fits the slot. */
    private final Set<String> paged = Set.of("sla.list", "policy.list", "group.list", "samples.range", "alert.list",
            "audit.list", "backend.history");

    public DbOps(Database database, EpochClock clock, Supplier<IngestionStatus> ingestion) {
        this.database = database;
        this.clock = clock;
        this.ingestion = ingestion;
        this.samples = new SampleRepository(database.engine());
        for (String kind : List.of("sla", "policy", "group")) {
            ops.put(kind + ".list", (a, actor) -> listDocs(kind, a));
            ops.put(kind + ".get", (a, actor) -> getDoc(kind, a));
            ops.put(kind + ".put", (a, actor) -> putDoc(kind, a, actor, false));
            ops.put(kind + ".delete", (a, actor) -> putDoc(kind, a, actor, true));
            ops.put(kind + ".history", (a, actor) -> history(kind, a));
        }
        ops.put("gateway.upsert", this::upsertGateway);
        ops.put("gateway.list", (a, actor) -> items(tx(c -> registry.gateways(c, a.optOneOf("state", GATEWAY_STATES, null)))));
        ops.put("volume.upsert", this::upsertVolume);
        ops.put("volume.list", (a, actor) -> items(tx(registry::volumes)));
        ops.put("backend.upsert", this::upsertBackend);
        ops.put("backend.list", (a, actor) -> items(tx(registry::backends)));
        ops.put("backend.history", this::backendHistory);
        ops.put("samples.range", (a, actor) -> range(a));
        ops.put("samples.summary", (a, actor) -> summary(a));
        ops.put("compliance.append", (a, actor) -> appendCompliance(a));
        ops.put("compliance.report", (a, actor) -> report(a));
        ops.put("alert.upsert", (a, actor) -> upsertAlert(a));
        ops.put("alert.list", (a, actor) -> listAlerts(a));
        ops.put("alert.ack", this::acknowledgeAlert);
        ops.put("audit.append", this::appendAudit);
        ops.put("audit.list", (a, actor) -> listAudit(a));
        ops.put("user.create", this::createUser);
        ops.put("user.get", (a, actor) -> found(tx(c -> accounts.userWithHash(c, a.string("login"))), "user"));
        ops.put("user.list", (a, actor) -> items(tx(accounts::users)));
        ops.put("user.update", this::updateUser);
        ops.put("token.create", this::createToken);
        ops.put("token.find", (a, actor) -> found(tx(c -> accounts.tokenByHash(c, a.string("tokenHash"))), "token"));
        ops.put("token.list", (a, actor) -> items(tx(accounts::tokens)));
        ops.put("token.revoke", this::revokeToken);
        ops.put("setting.get", (a, actor) -> getSetting(a));
        ops.put("setting.put", this::putSetting);
        ops.put("status", (a, actor) -> status());
    }

    boolean isPaged(String op) {
        return paged.contains(op);
    }

    /** Runs {@code op}; throws {@link DbProblem} for anything but success. */
    public JsonNode run(String op, Args args, String actor) {
        Op handler = ops.get(op);
        if (handler == null) {
            throw DbProblem.unknownOp("no op " + op + " at the database manager");
        }
        try {
            return handler.run(args, actor);
        } catch (SQLException e) {
            if (io.sluice.db.store.SqlStates.isConnectionFailure(e)) {
                throw DbProblem.unavailable("database unavailable: " + e.getMessage());
            }
            throw DbProblem.internal(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    public ObjectNode status() {
        IngestionStatus s = ingestion.get();
        ObjectNode node = mapper.createObjectNode();
        node.put("engine", database.engine().label());
        node.put("url", database.url());
        node.put("degraded", s.degraded());
        node.put("bufferedSamples", s.bufferedSamples());
        node.put("journaledSamples", s.journaledSamples());
        node.put("storedSamples", s.storedSamples());
        node.put("lastError", s.lastError());
        return node;
    }

    // ---- versioned documents

    private JsonNode listDocs(String kind, Args a) throws SQLException {
        int limit = a.limit(100, 1000);
        String after = a.has("after") ? a.node().get("after").asText() : null;
        List<VersionedDoc> page = tx(c -> docs.list(c, kind, after, limit, a.bool("includeDeleted", false)));
        ObjectNode result = items(docNodes(page));
        result.put("next", page.size() == limit ? page.getLast().name() : null);
        return result;
    }

    private JsonNode getDoc(String kind, Args a) throws SQLException {
        String name = a.string("name");
        return docNode(tx(c -> docs.get(c, kind, name)).orElseThrow(() -> DbProblem.notFound(kind + " " + name)));
    }

    private JsonNode putDoc(String kind, Args a, String actor, boolean delete) throws SQLException {
        String name = a.string("name");
        int expected = a.intValue("expectedVersion");
        if (expected < 0 || (delete && expected == 0)) {
            throw DbProblem.invalid("expectedVersion", "range", "expectedVersion must be the current version");
        }
        String spec;
        if (delete) {
            spec = null;
        } else {
            ObjectNode specNode = a.object("spec");
            JsonNode specName = specNode.get("name");
            if (specName == null || !specName.isTextual() || !specName.asText().equals(name)) {
                throw DbProblem.invalid("spec.name", "matches-name", "spec.name must be present and equal name");
            }
            spec = specNode.toString();
        }
        long now = clock.epochMillis();
        try {
            VersionedDoc doc = database.inTransaction(c -> {
                try {
                    String body = spec;
                    if (body == null) {
                        Optional<VersionedDoc> current = docs.get(c, kind, name);
                        if (current.isEmpty()) {
                            throw DbProblem.notFound(kind + " " + name);
                        }
                        body = current.get().spec();
                    }
                    VersionedDoc written = docs.put(c, kind, name, expected, body, delete, now, actor);
                    audit.append(c, now, actor, kind + (delete ? ".delete" : ".put"), kind + ":" + name,
                            "{\"version\":" + written.version() + "}");
                    return written;
                } catch (VersionConflictException e) {
                    throw new ConflictSignal(e);
                }
            });
            return docNode(doc);
        } catch (ConflictSignal signal) {
            throw DbProblem.conflict(signal.conflict.getMessage(), signal.conflict.currentVersion());
        }
    }

    private JsonNode history(String kind, Args a) throws SQLException {
        String name = a.string("name");
        List<VersionedDoc> versions = tx(c -> docs.history(c, kind, name));
        if (versions.isEmpty()) {
            throw DbProblem.notFound(kind + " " + name);
        }
        return items(docNodes(versions));
    }

    private List<ObjectNode> docNodes(List<VersionedDoc> list) {
        List<ObjectNode> nodes = new ArrayList<>(list.size());
        for (VersionedDoc doc : list) {
            nodes.add(docNode(doc));
        }
        return nodes;
    }

    private ObjectNode docNode(VersionedDoc doc) {
        ObjectNode node = mapper.createObjectNode();
        node.put("name", doc.name());
        node.put("version", doc.version());
        node.set("spec", parse(doc.spec()));
        node.put("deleted", doc.deleted());
        node.put("updatedAt", doc.updatedAt());
        node.put("updatedBy", doc.updatedBy());
        return node;
    }

    // ---- registry

    private JsonNode upsertGateway(Args a, String actor) throws SQLException {
        long gatewayId = a.longValue("gatewayId");
        String state = a.oneOf("state", GATEWAY_STATES);
        String keyHash = a.optString("keyHash", null);
        Long lastSeen = a.optLongOrNull("lastSeen");
        String address = a.optString("address", null);
        long now = clock.epochMillis();
        return tx(c -> {
            ObjectNode gateway = registry.upsertGateway(c, gatewayId, state, keyHash, lastSeen, address, now);
            audit.append(c, now, actor, "gateway.upsert", "gateway:" + gatewayId, "{\"state\":\"" + state + "\"}");
            return gateway;
        });
    }

    private JsonNode upsertVolume(Args a, String actor) throws SQLException {
        int volumeId = a.intValue("volumeId");
        long gatewayId = a.longValue("gatewayId");
        String backendId = a.optString("backendId", null);
        Long allocated = a.optLongOrNull("allocatedBytes");
        Long used = a.optLongOrNull("usedBytes");
        long now = clock.epochMillis();
        return tx(c -> registry.upsertVolume(c, volumeId, gatewayId, backendId, allocated, used, now));
    }

    private JsonNode upsertBackend(Args a, String actor) throws SQLException {
        String backendId = a.string("backendId");
        long capacity = a.longValue("capacityBytes");
        long used = a.longValue("usedBytes");
        long at = a.longValue("at");
        return tx(c -> registry.upsertBackend(c, backendId, capacity, used, at));
    }

    private JsonNode backendHistory(Args a, String actor) throws SQLException {
        String backendId = a.string("backendId");
        long from = a.longValue("from");
        long to = a.longValue("to");
        int limit = a.limit(1000, 10_000);
        Long after = a.cursor();
        List<ObjectNode> page = tx(c -> registry.backendHistory(c, backendId, after == null ? from : Math.max(from, after + 1),
                to, limit));
        ObjectNode result = items(page);
        result.put("next", page.size() == limit ? String.valueOf(page.getLast().get("at").asLong()) : null);
        return result;
    }

    // ---- samples

    private JsonNode range(Args a) throws SQLException {
        int volumeId = a.intValue("volumeId");
        String direction = a.optOneOf("direction", DIRECTIONS, null);
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        Resolution resolution = resolution(a, from, to);
        int limit = a.limit(1000, 10_000);
        Long after = a.cursor();
        List<SamplePoint> points = tx(c -> samples.range(c, volumeId, direction == null ? null : direction.equals("READ") ? 0 : 1,
                from, to, after == null ? Long.MIN_VALUE : after, resolution, limit));
        ObjectNode result = mapper.createObjectNode();
        result.put("resolution", resolution.label());
        ArrayNode list = result.putArray("points");
        for (SamplePoint p : points) {
            ObjectNode point = list.addObject();
            point.put("t", p.t());
            point.put("ops", p.ops());
            point.put("bytes", p.bytes());
            point.put("throttledOps", p.throttledOps());
            point.put("iops", p.iops());
            point.put("bytesPerSec", p.bytesPerSec());
            point.put("latencyMeanMicros", p.latencyMeanMicros());
            point.put("latencyP50Micros", p.latencyPercentile(50));
            point.put("latencyP95Micros", p.latencyPercentile(95));
            point.put("latencyP99Micros", p.latencyPercentile(99));
            point.put("iopsLimit", p.iopsLimit());
        }
        result.put("next", points.size() == limit ? String.valueOf(points.getLast().t()) : null);
        return result;
    }

    private JsonNode summary(Args a) throws SQLException {
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        int[] volumeIds = null;
        if (a.has("volumeIds")) {
            JsonNode ids = a.array("volumeIds");
            if (ids.isEmpty() || ids.size() > 10_000) {
                throw DbProblem.invalid("volumeIds", "size", "volumeIds must hold 1..10000 ids");
            }
            volumeIds = new int[ids.size()];
            for (int i = 0; i < volumeIds.length; i++) {
                if (!ids.get(i).canConvertToInt() || !ids.get(i).isIntegralNumber()) {
                    throw DbProblem.invalid("volumeIds", "int", "volumeIds must be ints");
                }
                volumeIds[i] = ids.get(i).asInt();
            }
        }
        Resolution resolution = resolution(a, from, to);
        int[] ids = volumeIds;
        List<VolumeSummary> list = tx(c -> samples.summary(c, ids, from, to, resolution));
        ObjectNode result = mapper.createObjectNode();
        result.put("resolution", resolution.label());
        ArrayNode items = result.putArray("items");
        for (VolumeSummary s : list) {
            ObjectNode item = items.addObject();
            item.put("volumeId", s.volumeId());
            item.put("ops", s.ops());
            item.put("bytes", s.bytes());
            item.put("latencyP99Micros", s.latencyP99Micros());
            item.put("points", s.points());
        }
        return result;
    }

    private static Resolution resolution(Args a, long from, long to) {
        return a.has("resolution") ? Resolution.ofLabel(a.oneOf("resolution", RESOLUTIONS)) : Resolution.forRange(from, to);
    }

    // ---- compliance

    private JsonNode appendCompliance(Args a) throws SQLException {
        JsonNode list = a.array("results");
        List<ComplianceResult> results = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                throw DbProblem.invalid("results[" + i + "]", "object", "each result must be an object");
            }
            Args r = new Args((ObjectNode) item);
            ObjectNode scope = r.object("scope");
            Args s = new Args(scope);
            long intervalMillis = r.longValue("intervalMillis");
            if (intervalMillis <= 0) {
                throw DbProblem.invalid("results[" + i + "].intervalMillis", "positive", "intervalMillis must be positive");
            }
            results.add(new ComplianceResult(r.string("sla"), s.oneOf("kind", SCOPE_KINDS), scopeId(scope),
                    r.longValue("intervalStart"), intervalMillis, r.oneOf("dimension", DIMENSIONS),
                    r.oneOf("verdict", VERDICTS)));
        }
        int stored = tx(c -> compliance.append(c, results));
        return mapper.createObjectNode().put("stored", stored);
    }

    private static String scopeId(ObjectNode scope) {
        JsonNode id = scope.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
            throw DbProblem.invalid("scope.id", "required", "scope.id must be a string or an integer");
        }
        return id.asText();
    }

    private JsonNode report(Args a) throws SQLException {
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        a.optOneOf("format", Set.of("json"), "json");
        String sla = a.optString("sla", null);
        String tenant = a.optString("tenant", null);
        Map<String, Double> targets = new HashMap<>();
        List<ComplianceTally> tallies = tx(c -> {
            List<ComplianceTally> found = compliance.report(c, from, to, sla, tenant);
            for (ComplianceTally t : found) {
                if (!targets.containsKey(t.sla())) {
                    targets.put(t.sla(), docs.get(c, "sla", t.sla()).map(d -> targetPercent(d.spec())).orElse(DEFAULT_TARGET_PERCENT));
                }
            }
            return found;
        });
        ObjectNode result = mapper.createObjectNode();
        result.put("from", from);
        result.put("to", to);
        ArrayNode items = result.putArray("items");
        for (ComplianceTally t : tallies) {
            double target = targets.get(t.sla());
            ObjectNode item = items.addObject();
            item.put("sla", t.sla());
            item.putObject("scope").put("kind", t.scopeKind()).put("id", t.scopeId());
            item.put("dimension", t.dimension());
            item.put("intervals", t.intervals());
            item.put("met", t.met());
            item.put("missed", t.missed());
            item.put("metPercent", t.metPercent());
            item.put("targetPercent", target);
            item.put("compliant", t.metPercent() >= target);
        }
        return result;
    }

    private double targetPercent(String spec) {
        JsonNode target = parse(spec).path("compliance").path("targetPercent");
        return target.isNumber() ? target.asDouble() : DEFAULT_TARGET_PERCENT;
    }

    // ---- alerts and audit

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
        result.put("next", page.size() == limit ? String.valueOf(page.getLast().get("id").asLong()) : null);
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
        // Not "actor": that is the envelope's, who asks.
        String byActor = a.optString("byActor", null);
        List<ObjectNode> page = tx(c -> audit.list(c, after, byActor, limit));
        for (ObjectNode record : page) {
            JsonNode detail = record.get("detail");
            record.set("detail", detail == null || detail.isNull() ? null : parse(detail.asText()));
        }
        ObjectNode result = items(page);
        result.put("next", page.size() == limit ? String.valueOf(page.getLast().get("id").asLong()) : null);
        return result;
    }

    // ---- users, tokens, settings

    private JsonNode createUser(Args a, String actor) throws SQLException {
        String login = a.string("login");
        String role = a.oneOf("role", ROLES);
        String hash = a.string("passwordHash");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.createUser(c, login, role, hash, now)) {
                throw DbProblem.conflict("user " + login + " exists", null);
            }
            audit.append(c, now, actor, "user.create", "user:" + login, "{\"role\":\"" + role + "\"}");
            return accounts.user(c, login);
        });
    }

    private JsonNode updateUser(Args a, String actor) throws SQLException {
        String login = a.string("login");
        String role = a.optOneOf("role", ROLES, null);
        String hash = a.optString("passwordHash", null);
        Boolean disabled = a.optBool("disabled");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.updateUser(c, login, role, hash, disabled)) {
                throw DbProblem.notFound("user " + login);
            }
            ObjectNode detail = mapper.createObjectNode();
            if (role != null) {
                detail.put("role", role);
            }
            if (disabled != null) {
                detail.put("disabled", disabled);
            }
            detail.put("passwordChanged", hash != null);
            audit.append(c, now, actor, "user.update", "user:" + login, detail.toString());
            return accounts.user(c, login);
        });
    }

    private JsonNode createToken(Args a, String actor) throws SQLException {
        String name = a.string("name");
        String role = a.oneOf("role", ROLES);
        String hash = a.string("tokenHash");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.createToken(c, name, role, hash, now)) {
                throw DbProblem.conflict("token " + name + " exists", null);
            }
            audit.append(c, now, actor, "token.create", "token:" + name, "{\"role\":\"" + role + "\"}");
            ObjectNode token = accounts.token(c, name);
            token.remove("revoked");
            return token;
        });
    }

    private JsonNode revokeToken(Args a, String actor) throws SQLException {
        String name = a.string("name");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.revokeToken(c, name)) {
                throw DbProblem.notFound("token " + name);
            }
            audit.append(c, now, actor, "token.revoke", "token:" + name, null);
            return accounts.token(c, name);
        });
    }

    private JsonNode getSetting(Args a) throws SQLException {
        String key = a.string("key");
        String value = tx(c -> accounts.setting(c, key));
        if (value == null) {
            throw DbProblem.notFound("setting " + key);
        }
        return mapper.createObjectNode().put("key", key).put("value", value);
    }

    private JsonNode putSetting(Args a, String actor) throws SQLException {
        String key = a.string("key");
        JsonNode raw = a.node().get("value");
        if (raw == null || !raw.isTextual()) {
            throw DbProblem.invalid("value", "string", "value must be a string");
        }
        String value = raw.asText();
        long now = clock.epochMillis();
        tx(c -> {
            accounts.putSetting(c, key, value);
            // The value may be a secret's hash: the audit names the key only.
            audit.append(c, now, actor, "setting.put", "setting:" + key, null);
            return null;
        });
        return mapper.createObjectNode().put("key", key).put("value", value);
    }

    // ---- helpers

    private <T> T tx(SqlWork<T> work) throws SQLException {
        return database.inTransaction(work);
    }

    private ObjectNode items(List<? extends JsonNode> list) {
        ObjectNode result = mapper.createObjectNode();
        result.putArray("items").addAll(list);
        return result;
    }

    private static JsonNode found(ObjectNode node, String what) {
        if (node == null) {
            throw DbProblem.notFound("no such " + what);
        }
        return node;
    }

    private JsonNode parse(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw DbProblem.internal("stored JSON does not parse: " + e.getOriginalMessage());
        }
    }

    /** Carries a version conflict out of a transaction (which rolls back) to be answered as CONFLICT. */
    private static final class ConflictSignal extends RuntimeException {
        final VersionConflictException conflict;

        ConflictSignal(VersionConflictException conflict) {
            super(conflict.getMessage(), null, false, false);
            this.conflict = conflict;
        }
    }
}
