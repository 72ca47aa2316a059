package io.sluice.web.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The database manager, SLA services and monitor as seen through their mailboxes, answered from memory per
 * JSON-CALLS.md: real mailbox files in a temporary directory, real callees, in-memory logic. Live statistics are
 * synthetic: each known volume runs at a steady rate below its SLA's limit.
 */
public final class InMemoryBackend implements Backend {
    /** A gateway whose approval or revocation the monitor answers as if its registry's disk were full. */
    public static final long REGISTRY_DISK_FULL_GATEWAY = 666;
    /** A gateway whose approval the monitor refuses because its registry's database is away (REGISTRY_UNAVAILABLE). */
    public static final long REGISTRY_DB_AWAY_GATEWAY = 667;

    private final ObjectMapper json = new ObjectMapper();
    private final Path dir;
    private final String name;
    private final JsonMailboxService db;
    private final JsonMailboxService services;
    private final MailboxService monitor;
    /** What the monitor says it dropped, so a test sees the counter pass through. */
    public static final long REPORTS_DROPPED = 3;

    private final Map<String, Map<String, List<ObjectNode>>> documents = new LinkedHashMap<>();
    private final Map<Long, ObjectNode> gateways = new TreeMap<>();
    private final Map<Long, ObjectNode> volumes = new TreeMap<>();
    private final Map<Long, ObjectNode> alerts = new TreeMap<>();
    private final List<ObjectNode> audit = new ArrayList<>();
    private final Map<String, ObjectNode> users = new TreeMap<>();
    private final Map<String, ObjectNode> tokens = new TreeMap<>();
    private final Map<String, String> settings = new TreeMap<>();
    private final List<String> enrollmentTokenHashes = new CopyOnWriteArrayList<>();
    private final List<String> sharedVolumeCalls = new CopyOnWriteArrayList<>();
    private final List<JsonNode> volumeListRequests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> dbCalls = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private long nextAlertId = 1;
    private static final ValueLayout.OfLong BIG_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Manual throttles as the database manager keeps them (all, ended too), and as the services hold them. */
    private final List<ObjectNode> storedThrottles = new ArrayList<>();

    private final Map<Long, ObjectNode> appliedThrottles = new TreeMap<>();
    private final List<Long> polledGateways = new CopyOnWriteArrayList<>();
    private final long startedAt = System.currentTimeMillis();

    public InMemoryBackend(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        for (String kind : List.of("sla", "policy", "group")) {
            documents.put(kind, new TreeMap<>());
        }
        db = new JsonMailboxService(
                Mailbox.create(ServerMailboxes.file(dir, name, ServerMailboxes.DB_SUFFIX), ServerMailboxes.DB),
                MailboxOpcodes.DB_JSON,
                json,
                this::db,
                "test-db");
        services = new JsonMailboxService(
                Mailbox.create(
                        ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                        ServerMailboxes.SERVICES_QUERIES),
                MailboxOpcodes.SERVICES_JSON,
                json,
                this::services,
                "test-services");
        Mailbox monitorBox = Mailbox.create(
                ServerMailboxes.file(dir, name, ServerMailboxes.MONITOR_SUFFIX), ServerMailboxes.MONITOR);
        monitor = new MailboxService(
                        MailboxCallee.attach(monitorBox),
                        request -> {
                            switch (request.opcode()) {
                                case MailboxOpcodes.MONITOR_APPROVE_GATEWAY, MailboxOpcodes.MONITOR_REVOKE_GATEWAY -> {
                                    if (request.length() == 8
                                            && request.params()
                                                            .get(
                                                                    ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
                                                                            ByteOrder.BIG_ENDIAN),
                                                                    0)
                                                    == REGISTRY_DISK_FULL_GATEWAY) {
                                        // What the real monitor answers when its registry cannot reach the disk.
                                        request.reply(
                                                MailboxStatus.CALLEE_FAILED,
                                                ParamWriter.of(
                                                        "cannot write /srv/sluice/monitor/gateways.registry: No space left on device"
                                                                .getBytes(StandardCharsets.UTF_8)));
                                    } else if (request.length() == 8
                                            && request.params()
                                                            .get(
                                                                    ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
                                                                            ByteOrder.BIG_ENDIAN),
                                                                    0)
                                                    == REGISTRY_DB_AWAY_GATEWAY) {
                                        // What the real monitor answers when its registry's database cannot be reached.
                                        request.reply(
                                                MailboxOpcodes.REGISTRY_UNAVAILABLE,
                                                ParamWriter.of(
                                                        "gateway 667 not approved: the gateway registry's database cannot be reached"
                                                                .getBytes(StandardCharsets.UTF_8)));
                                    } else {
                                        request.reply(
                                                request.length() == 8 ? 0 : MailboxOpcodes.BAD_GATEWAY_ID,
                                                ParamWriter.EMPTY);
                                    }
                                }
                                case MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME,
                                        MailboxOpcodes.MONITOR_UNBIND_SHARED_VOLUME -> {
                                    byte[] params = request.params()
                                            .asSlice(0, request.length())
                                            .toArray(ValueLayout.JAVA_BYTE);
                                    ByteBuffer b = ByteBuffer.wrap(params);
                                    sharedVolumeCalls.add((request.opcode() == MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME
                                                    ? "bind "
                                                    : "unbind ")
                                            + b.getLong() + " " + StandardCharsets.UTF_8.decode(b));
                                    request.reply(0, ParamWriter.EMPTY);
                                }
                                case MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN -> {
                                    boolean wellFormed =
                                            request.length() == MailboxOpcodes.ENROLLMENT_TOKEN_HASH_LENGTH;
                                    if (wellFormed) {
                                        enrollmentTokenHashes.add(HexFormat.of()
                                                .formatHex(request.params()
                                                        .asSlice(0, request.length())
                                                        .toArray(ValueLayout.JAVA_BYTE)));
                                    }
                                    request.reply(wellFormed ? 0 : MailboxStatus.BAD_REQUEST, ParamWriter.EMPTY);
                                }
                                case MailboxOpcodes.MONITOR_POLL_GATEWAY -> {
                                    long id = request.length() == 8
                                            ? request.params().get(BIG_LONG, 0)
                                            : 0;
                                    boolean inSession;
                                    synchronized (this) {
                                        ObjectNode gateway = gateways.get(id);
                                        inSession = gateway != null
                                                && gateway.path("state")
                                                        .asText()
                                                        .equals("APPROVED");
                                    }
                                    if (inSession) {
                                        polledGateways.add(id);
                                    }
                                    request.reply(
                                            id == 0
                                                    ? MailboxOpcodes.BAD_GATEWAY_ID
                                                    : inSession ? 0 : MailboxOpcodes.GATEWAY_NOT_IN_SESSION,
                                            ParamWriter.EMPTY);
                                }
                                case MailboxOpcodes.MONITOR_STATUS -> {
                                    ByteBuffer b = ByteBuffer.allocate(MonitorStatusDescriptor.LENGTH);
                                    b.putLong(MonitorStatusDescriptor.IN_SESSION_OFFSET, gateways.size());
                                    b.putLong(MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET, REPORTS_DROPPED);
                                    request.reply(0, ParamWriter.of(b.array()));
                                }
                                default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, ParamWriter.EMPTY);
                            }
                        },
                        0,
                        "test-monitor")
                .start();
    }

    /** The gateways the monitor was asked to poll (MONITOR_POLL_GATEWAY) and had in session, in order. */
    public List<Long> polledGateways() {
        return List.copyOf(polledGateways);
    }

    /** The manual throttles the SLA services hold, by volume. */
    public synchronized Map<Long, ObjectNode> appliedThrottles() {
        return Map.copyOf(appliedThrottles);
    }

    /** The shared volume bindings the monitor was asked for, in order: "bind|unbind GATEWAY NAME". */
    public List<String> sharedVolumeCalls() {
        return List.copyOf(sharedVolumeCalls);
    }

    /** The enrollment token hashes the monitor was given, in order. */
    public List<String> enrollmentTokenHashes() {
        return enrollmentTokenHashes;
    }

    /** Every {@code volume.list} request the database manager was sent, in order. */
    public List<JsonNode> volumeListRequests() {
        return volumeListRequests;
    }

    @Override
    public Path mailboxDir() {
        return dir;
    }

    @Override
    public String serverName() {
        return name;
    }

    @Override
    public void stopDb() {
        db.close();
    }

    @Override
    public void stopServices() {
        services.close();
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {monitor, services, db}) {
            try {
                c.close();
            } catch (Exception e) {
                // already stopped by a test
            }
        }
    }

    // ------------------------------------------------------------------ database manager

    /** How many times the database manager was asked {@code op}. */
    public int dbCalls(String op) {
        AtomicInteger n = dbCalls.get(op);
        return n == null ? 0 : n.get();
    }

    /**
     * From now on the database manager fails {@code op} as an internal error with {@code detail} (null: stop failing).
     */
    public void failDb(String op, String detail) {
        if (detail == null) {
            failures.remove(op);
        } else {
            failures.put(op, detail);
        }
    }

    private synchronized JsonNode db(JsonNode req) {
        String op = req.path("op").asText();
        dbCalls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
        String failure = failures.get(op);
        if (failure != null) {
            throw new JsonMailboxService.Problem(
                    CallStatus.INTERNAL,
                    problemBody(CallStatus.INTERNAL, failure, null, null).put("detail", failure));
        }
        String actor = req.path("actor").asText();
        int dot = op.indexOf('.');
        String family = dot < 0 ? op : op.substring(0, dot);
        String verb = dot < 0 ? "" : op.substring(dot + 1);
        if (documents.containsKey(family)) {
            return document(family, verb, req, actor);
        }
        return switch (op) {
            case "gateway.upsert" -> {
                long id = req.path("gatewayId").asLong();
                ObjectNode g = gateways.computeIfAbsent(
                        id, k -> json.createObjectNode().put("gatewayId", k));
                g.put("state", text(req, "state"));
                for (String f : List.of("keyHash", "lastSeen", "address", "name")) {
                    if (req.has(f)) {
                        g.set(f, req.get(f));
                    }
                }
                g.put("updatedAt", System.currentTimeMillis());
                audit(actor, "gateway.upsert", "gateway:" + id);
                yield g;
            }
            case "gateway.list" ->
                items(gateways.values().stream()
                        .filter(g -> !req.has("state")
                                || g.path("state")
                                        .asText()
                                        .equals(req.path("state").asText()))
                        .toList());
            case "volume.upsert" -> {
                long id = req.path("volumeId").asLong();
                ObjectNode v =
                        volumes.computeIfAbsent(id, k -> json.createObjectNode().put("volumeId", k));
                v.put("gatewayId", req.path("gatewayId").asLong());
                v.put("backendId", req.path("backendId").asText("b1"));
                v.put("allocatedBytes", req.path("allocatedBytes").asLong(1L << 40));
                v.put("usedBytes", req.path("usedBytes").asLong(1L << 39));
                v.put("lastSeen", System.currentTimeMillis());
                if (req.hasNonNull("exportName")) {
                    v.put("exportName", req.path("exportName").asText());
                }
                yield v;
            }
            case "volume.list" -> {
                volumeListRequests.add(req.deepCopy());
                yield volumePage(req);
            }
            case "samples.range" -> samples(req);
            case "compliance.report" -> complianceReport(req);
            case "alert.upsert" -> {
                String key = text(req, "key");
                ObjectNode a = alerts.values().stream()
                        .filter(x -> x.path("key").asText().equals(key))
                        .findFirst()
                        .orElseGet(() -> {
                            ObjectNode n = json.createObjectNode()
                                    .put("id", nextAlertId++)
                                    .put("key", key)
                                    .put("openedAt", req.path("at").asLong());
                            n.putNull("acknowledgedBy");
                            n.putNull("acknowledgedAt");
                            n.putNull("clearedAt");
                            alerts.put(n.get("id").asLong(), n);
                            return n;
                        });
                a.put("severity", text(req, "severity"))
                        .put("message", text(req, "message"))
                        .put("state", text(req, "state"));
                yield a;
            }
            case "alert.list" ->
                items(alerts.values().stream()
                        .filter(a -> !req.has("state")
                                || a.path("state")
                                        .asText()
                                        .equals(req.path("state").asText()))
                        .toList());
            case "alert.ack" -> ack(req.path("id").asLong(), actor);
            case "audit.append" -> {
                ObjectNode r = audit(actor, text(req, "action"), text(req, "target"));
                r.set("detail", req.get("detail"));
                yield json.createObjectNode().put("id", r.get("id").asLong());
            }
            case "throttle.set" -> {
                long volumeId = req.path("volumeId").asLong();
                if (!volumes.containsKey(volumeId)) {
                    throw problem(CallStatus.NOT_FOUND, "no volume " + volumeId, null, null);
                }
                endThrottle(volumeId, actor);
                ObjectNode t = json.createObjectNode()
                        .put("id", storedThrottles.size() + 1)
                        .put("volumeId", volumeId)
                        .put("iopsLimit", req.path("iopsLimit").asLong(0))
                        .put("bandwidthLimit", req.path("bandwidthLimit").asLong(0))
                        .put("reason", req.path("reason").asText(""))
                        .put("setBy", actor)
                        .put("setAt", System.currentTimeMillis())
                        .put("expiresAt", req.path("expiresAt").asLong());
                t.putNull("endedBy");
                t.putNull("endedAt");
                storedThrottles.add(t);
                audit(actor, "volume.throttle.set", "volume:" + volumeId);
                yield t.deepCopy();
            }
            case "throttle.cancel" -> {
                long volumeId = req.path("volumeId").asLong();
                ObjectNode ended = endThrottle(volumeId, actor);
                if (ended == null) {
                    throw problem(
                            CallStatus.NOT_FOUND, "no manual throttle in force on volume " + volumeId, null, null);
                }
                audit(actor, "volume.throttle.cancel", "volume:" + volumeId);
                yield ended.deepCopy();
            }
            case "throttle.list" ->
                items(storedThrottles.stream()
                        .filter(t -> t.path("endedAt").isNull()
                                && t.path("expiresAt").asLong() > System.currentTimeMillis())
                        .toList());
            case "audit.list" ->
                items(audit.reversed().stream()
                        .filter(a ->
                                !req.has("byActor") || a.path("actor").asText().equals(text(req, "byActor")))
                        .limit(req.path("limit").asInt(100))
                        .toList());
            case "user.create" -> {
                String login = text(req, "login");
                if (users.containsKey(login)) {
                    throw problem(CallStatus.CONFLICT, "user exists", "login", "unique");
                }
                ObjectNode u = json.createObjectNode()
                        .put("login", login)
                        .put("role", text(req, "role"))
                        .put("passwordHash", text(req, "passwordHash"))
                        .put("createdAt", System.currentTimeMillis())
                        .put("disabled", false);
                users.put(login, u);
                audit(actor, "user.create", "user:" + login);
                yield withoutHash(u);
            }
            case "user.get" -> {
                ObjectNode u = users.get(text(req, "login"));
                if (u == null) {
                    throw problem(CallStatus.NOT_FOUND, "no such user", null, null);
                }
                yield u;
            }
            case "user.list" ->
                items(users.values().stream().map(this::withoutHash).toList());
            case "user.update" -> {
                ObjectNode u = users.get(text(req, "login"));
                if (u == null) {
                    throw problem(CallStatus.NOT_FOUND, "no such user", null, null);
                }
                for (String f : List.of("role", "passwordHash", "disabled")) {
                    if (req.has(f)) {
                        u.set(f, req.get(f));
                    }
                }
                audit(actor, "user.update", "user:" + u.get("login").asText());
                yield withoutHash(u);
            }
            case "token.create" -> {
                String tokenName = text(req, "name");
                if (tokens.containsKey(tokenName)) {
                    throw problem(CallStatus.CONFLICT, "token exists", "name", "unique");
                }
                ObjectNode t = json.createObjectNode()
                        .put("name", tokenName)
                        .put("role", text(req, "role"))
                        .put("tokenHash", text(req, "tokenHash"))
                        .put("createdAt", System.currentTimeMillis())
                        .put("revoked", false);
                tokens.put(tokenName, t);
                audit(actor, "token.create", "token:" + tokenName);
                yield withoutTokenHash(t);
            }
            case "token.find" ->
                tokens.values().stream()
                        .filter(t -> t.path("tokenHash").asText().equals(text(req, "tokenHash")))
                        .findFirst()
                        .map(this::withoutTokenHash)
                        .orElseThrow(() -> problem(CallStatus.NOT_FOUND, "no such token", null, null));
            case "token.list" ->
                items(tokens.values().stream().map(this::withoutTokenHash).toList());
            case "token.revoke" -> {
                ObjectNode t = tokens.get(text(req, "name"));
                if (t == null) {
                    throw problem(CallStatus.NOT_FOUND, "no such token", null, null);
                }
                t.put("revoked", true);
                audit(actor, "token.revoke", "token:" + t.get("name").asText());
                yield withoutTokenHash(t);
            }
            case "setting.get" -> {
                String key = text(req, "key");
                if (!settings.containsKey(key)) {
                    throw problem(CallStatus.NOT_FOUND, "no such setting", "key", null);
                }
                yield json.createObjectNode().put("key", key).put("value", settings.get(key));
            }
            case "setting.put" -> {
                settings.put(text(req, "key"), text(req, "value"));
                yield json.createObjectNode().put("key", text(req, "key")).put("value", text(req, "value"));
            }
            case "status" ->
                json.createObjectNode()
                        .put("engine", "memory")
                        .put("url", "mem:")
                        .put("degraded", false)
                        .put("bufferedSamples", 0)
                        .put("journaledSamples", 0)
                        .put("storedSamples", 0);
            default -> throw problem(CallStatus.UNKNOWN_OP, "unknown op " + op, "op", null);
        };
    }

    /**
     * As the database manager pages its volumes: by id after {@code after}, at most {@code limit}, only those whose
     * name, export name, gateway name or id contains {@code match} (ignoring case).
     */
    private JsonNode volumePage(JsonNode req) {
        long after = req.path("after").asLong(0);
        int limit = req.path("limit").asInt(1000);
        String match = req.path("match").asText("").toLowerCase(Locale.ROOT);
        List<ObjectNode> matching = volumes.values().stream()
                .filter(v -> v.path("volumeId").asLong() > after)
                .map(this::namedVolume)
                .filter(v -> match.isEmpty() || searchText(v).contains(match))
                .toList();
        ObjectNode page = items(matching.stream().limit(limit).toList());
        if (matching.size() > limit) {
            page.put("next", matching.get(limit - 1).path("volumeId").asText());
        }
        return page;
    }

    /** A volume row with the names the database manager joins in: gateway name and "gateway/export". */
    private ObjectNode namedVolume(ObjectNode v) {
        ObjectNode row = v.deepCopy();
        JsonNode gatewayName = gateways.getOrDefault(v.path("gatewayId").asLong(), json.createObjectNode())
                .path("name");
        if (gatewayName.isTextual()) {
            row.put("gatewayName", gatewayName.asText());
        }
        if (v.hasNonNull("exportName")) {
            row.put(
                    "name",
                    gatewayName.isTextual()
                            ? gatewayName.asText() + "/" + v.path("exportName").asText()
                            : v.path("exportName").asText());
            row.put("shared", false);
        }
        return row;
    }

    private static String searchText(JsonNode v) {
        return String.join(
                        "\n",
                        v.path("name").asText(""),
                        v.path("exportName").asText(""),
                        v.path("gatewayName").asText(""),
                        v.path("volumeId").asText())
                .toLowerCase(Locale.ROOT);
    }

    private JsonNode document(String kind, String verb, JsonNode req, String actor) {
        Map<String, List<ObjectNode>> docs = documents.get(kind);
        return switch (verb) {
            case "list" ->
                items(docs.values().stream()
                        .map(List::getLast)
                        .filter(d -> req.path("includeDeleted").asBoolean(false)
                                || !d.path("deleted").asBoolean())
                        .toList());
            // As the database manager does: a deleted document answers with its tombstone.
            case "get" -> {
                String docName = text(req, "name");
                List<ObjectNode> versions = docs.get(docName);
                if (versions == null || versions.isEmpty()) {
                    throw problem(CallStatus.NOT_FOUND, "no such document " + docName, "name", null);
                }
                yield versions.getLast();
            }
            case "history" -> items(List.copyOf(docs.getOrDefault(text(req, "name"), List.of())));
            case "put", "delete" -> {
                String docName = text(req, "name");
                List<ObjectNode> versions = docs.computeIfAbsent(docName, k -> new ArrayList<>());
                // As the database manager does: a deleted name is re-created over its tombstone's version.
                long current = versions.isEmpty()
                        ? 0
                        : versions.getLast().path("version").asLong();
                long expected = req.path("expectedVersion").asLong();
                if (verb.equals("delete") && versions.isEmpty()) {
                    throw problem(CallStatus.NOT_FOUND, "no such " + kind, "name", null);
                }
                if (expected != current) {
                    ObjectNode p =
                            problemBody(CallStatus.CONFLICT, "version conflict", "expectedVersion", "current-version");
                    p.put("currentVersion", current);
                    throw new JsonMailboxService.Problem(CallStatus.CONFLICT, p);
                }
                long base = versions.isEmpty()
                        ? 0
                        : versions.getLast().path("version").asLong();
                ObjectNode doc = json.createObjectNode().put("name", docName).put("version", base + 1);
                doc.set(
                        "spec",
                        verb.equals("put")
                                ? req.get("spec")
                                : versions.getLast().get("spec"));
                doc.put("deleted", verb.equals("delete"))
                        .put("updatedAt", System.currentTimeMillis())
                        .put("updatedBy", actor);
                versions.add(doc);
                audit(actor, kind + "." + verb, kind + ":" + docName);
                yield doc;
            }
            default -> throw problem(CallStatus.UNKNOWN_OP, "unknown op", "op", null);
        };
    }

    private ObjectNode current(Map<String, List<ObjectNode>> docs, String docName) {
        List<ObjectNode> versions = docs.get(docName);
        if (versions == null
                || versions.isEmpty()
                || versions.getLast().path("deleted").asBoolean()) {
            throw problem(CallStatus.NOT_FOUND, "no such document " + docName, "name", null);
        }
        return versions.getLast();
    }

    private JsonNode samples(JsonNode req) {
        long from = req.path("from").asLong();
        long to = req.path("to").asLong();
        String resolution = req.path("resolution")
                .asText(to - from <= 7_200_000 ? "1s" : to - from <= 7 * 86_400_000L ? "1m" : "1h");
        long step = switch (resolution) {
            case "1s" -> 1_000;
            case "1m" -> 60_000;
            default -> 3_600_000;
        };
        ArrayNode points = json.createArrayNode();
        int limit = req.path("limit").asInt(600);
        for (long t = from - from % step + step; t <= to && points.size() < limit; t += step) {
            points.addObject()
                    .put("t", t)
                    .put("ops", 1000)
                    .put("bytes", 4_096_000)
                    .put("throttledOps", 0)
                    .put("iops", 1000.0)
                    .put("bytesPerSec", 4_096_000.0)
                    .put("latencyMeanMicros", 400)
                    .put("latencyP50Micros", 350)
                    .put("latencyP95Micros", 800)
                    .put("latencyP99Micros", 1200)
                    .put("iopsLimit", 2000)
                    .put("windowMillis", step);
        }
        ObjectNode result = json.createObjectNode().put("resolution", resolution);
        result.set("points", points);
        long last =
                points.isEmpty() ? to : points.get(points.size() - 1).path("t").asLong();
        if (last + step <= to && points.size() >= limit) {
            result.put("next", Long.toString(last));
        } else {
            result.putNull("next");
        }
        return result;
    }

    private JsonNode complianceReport(JsonNode req) {
        ArrayNode items = json.createArrayNode();
        for (List<ObjectNode> versions : documents.get("sla").values()) {
            ObjectNode doc = versions.getLast();
            if (doc.path("deleted").asBoolean()
                    || (req.has("sla")
                            && !req.path("sla").asText().equals(doc.path("name").asText()))) {
                continue;
            }
            for (String dimension : List.of("LIMIT", "RESERVATION", "LATENCY")) {
                ObjectNode item = items.addObject().put("sla", doc.path("name").asText());
                item.set("scope", doc.path("spec").path("scope"));
                item.put("dimension", dimension)
                        .put("intervals", 100)
                        .put("met", 99)
                        .put("missed", 1)
                        .put("metPercent", 99.0)
                        .put("targetPercent", 99.0)
                        .put("compliant", true);
            }
        }
        ObjectNode result = json.createObjectNode()
                .put("from", req.path("from").asLong())
                .put("to", req.path("to").asLong());
        result.set("items", items);
        return result;
    }

    private ObjectNode ack(long id, String actor) {
        ObjectNode a = alerts.get(id);
        if (a == null) {
            throw problem(CallStatus.NOT_FOUND, "no such alert", "id", null);
        }
        a.put("acknowledgedBy", actor).put("acknowledgedAt", System.currentTimeMillis());
        audit(actor, "alert.ack", "alert:" + id);
        return a;
    }

    private ObjectNode endThrottle(long volumeId, String actor) {
        for (ObjectNode t : storedThrottles) {
            if (t.path("volumeId").asLong() == volumeId
                    && t.path("endedAt").isNull()
                    && t.path("expiresAt").asLong() > System.currentTimeMillis()) {
                t.put("endedBy", actor).put("endedAt", System.currentTimeMillis());
                return t;
            }
        }
        return null;
    }

    private ObjectNode audit(String actor, String action, String target) {
        ObjectNode r = json.createObjectNode()
                .put("id", audit.size() + 1)
                .put("at", System.currentTimeMillis())
                .put("actor", actor)
                .put("action", action)
                .put("target", target);
        audit.add(r);
        return r;
    }

    // ------------------------------------------------------------------ SLA services

    private synchronized JsonNode services(JsonNode req) {
        String op = req.path("op").asText();
        return switch (op) {
            case "sla.validate" -> {
                JsonNode spec = req.path("spec");
                if (!spec.hasNonNull("name")) {
                    throw problem(CallStatus.INVALID, "name is required", "name", "required");
                }
                long limit = spec.path("iopsLimit").asLong(0);
                long reserved = spec.path("reservedIops").asLong(0);
                if (limit > 0 && reserved > limit) {
                    throw problem(
                            CallStatus.INVALID,
                            "the reservation exceeds the limit",
                            "reservedIops",
                            "RESERVATION_WITHIN_LIMIT");
                }
                if (reserved > 1_000_000) {
                    throw problem(
                            CallStatus.INVALID,
                            "reservations exceed the backend's estimated capacity",
                            "reservedIops",
                            "admission-control");
                }
                yield json.createObjectNode().put("valid", true);
            }
            case "sla.apply", "policy.apply", "group.apply" ->
                json.createObjectNode()
                        .put("applied", true)
                        .put("effectiveAt", (System.currentTimeMillis() / 1000 + 1) * 1000);
            case "throttle.apply" -> {
                ObjectNode t = (ObjectNode) req.path("throttle").deepCopy();
                appliedThrottles.put(t.path("volumeId").asLong(), t);
                yield t.deepCopy().put("inForce", true);
            }
            case "throttle.cancel" ->
                json.createObjectNode()
                        .put("volumeId", req.path("volumeId").asLong())
                        .put(
                                "cancelled",
                                appliedThrottles.remove(req.path("volumeId").asLong()) != null);
            case "live.volumes" -> liveVolumes(req);
            case "live.volume" -> {
                ObjectNode r = json.createObjectNode()
                        .put("volumeId", req.path("volumeId").asLong());
                ArrayNode points = r.putArray("points");
                long now = System.currentTimeMillis() / 1000 * 1000;
                for (int i = req.path("seconds").asInt(60); i > 0; i--) {
                    points.addObject()
                            .put("t", now - i * 1000L)
                            .put("iops", 1000)
                            .put("bytesPerSec", 4_096_000)
                            .put("latencyP50Micros", 350)
                            .put("latencyP99Micros", 1200)
                            .put("iopsLimit", 2000);
                }
                yield r;
            }
            case "live.groups" -> {
                ArrayNode items = json.createArrayNode();
                for (List<ObjectNode> versions : documents.get("group").values()) {
                    ObjectNode g = versions.getLast();
                    if (!g.path("deleted").asBoolean()) {
                        items.addObject()
                                .put("kind", g.path("spec").path("kind").asText("TENANT"))
                                .put("id", g.path("name").asText())
                                .put("iops", 1000)
                                .put("bytesPerSec", 4_096_000)
                                .put("iopsLimit", 0)
                                .put("state", "MET");
                    }
                }
                yield json.createObjectNode().set("items", items);
            }
            case "compliance.live" -> {
                ArrayNode items = json.createArrayNode();
                for (List<ObjectNode> versions : documents.get("sla").values()) {
                    ObjectNode doc = versions.getLast();
                    if (doc.path("deleted").asBoolean()) {
                        continue;
                    }
                    ObjectNode item =
                            items.addObject().put("sla", doc.path("name").asText());
                    item.set("scope", doc.path("spec").path("scope"));
                    item.put("state", "MET")
                            .put("metPercent1m", 100.0)
                            .put("metPercent1h", 99.5)
                            .put("metPercent30d", 99.9);
                    item.putObject("dimensions")
                            .put("LIMIT", "MET")
                            .put("RESERVATION", "MET")
                            .put("LATENCY", "MET");
                }
                yield json.createObjectNode().set("items", items);
            }
            case "alerts.list" ->
                items(alerts.values().stream()
                        .filter(a -> a.path("state").asText().equals("OPEN"))
                        .toList());
            case "alert.ack" -> ack(req.path("id").asLong(), req.path("actor").asText());
            case "forecast.list" -> {
                ArrayNode items = json.createArrayNode();
                items.addObject()
                        .put("backendId", "b1")
                        .put("capacityBytes", 10L << 40)
                        .put("usedBytes", 6L << 40)
                        .put("bytesPerDay", 50L << 30)
                        .put("daysUntilFull", 81.9)
                        .put("severity", "OK");
                yield json.createObjectNode().set("items", items);
            }
            case "gateways.list" -> {
                ArrayNode items = json.createArrayNode();
                for (ObjectNode g : gateways.values()) {
                    ObjectNode row = items.addObject()
                            .put("gatewayId", g.path("gatewayId").asLong())
                            .put("state", g.path("state").asText())
                            .put("since", startedAt);
                    ArrayNode vols = row.putArray("volumes");
                    volumes.values().stream()
                            .filter(v -> v.path("gatewayId").asLong()
                                    == g.path("gatewayId").asLong())
                            .forEach(v -> vols.add(v.path("volumeId").asLong()));
                }
                yield json.createObjectNode().set("items", items);
            }
            case "status" -> {
                ObjectNode status = json.createObjectNode()
                        .put("intervalMillis", 1000)
                        .put("ticks", 1)
                        .put("volumes", volumes.size());
                status.putObject("volumeState")
                        .put("tracked", volumes.size())
                        .put("limit", 100_000)
                        .put("evicted", 0)
                        .put("refusedOverLimit", 0)
                        .put("expiryMillis", 600_000);
                status.putObject("throttleSets")
                        .put("posted", 0)
                        .put("acked", 0)
                        .put("stored", 0)
                        .put("failed", 0)
                        .put("waiting", 0)
                        .put("inFlight", 0)
                        .put("setsPerCall", 0);
                yield status;
            }
            default -> throw problem(CallStatus.UNKNOWN_OP, "unknown op " + op, "op", null);
        };
    }

    private JsonNode liveVolumes(JsonNode req) {
        ArrayNode items = json.createArrayNode();
        long after = req.path("after").asLong(0);
        int pageSize = req.path("limit").asInt(Integer.MAX_VALUE);
        String next = null;
        for (ObjectNode v : volumes.values()) {
            long id = v.path("volumeId").asLong();
            if (id <= after) {
                continue;
            }
            if (items.size() == pageSize) {
                next = items.get(pageSize - 1).path("volumeId").asText();
                break;
            }
            ObjectNode sla = slaFor(id);
            long limit = sla == null ? 0 : sla.path("spec").path("iopsLimit").asLong(0);
            double iops = limit > 0 ? limit * 0.8 : 500 + id;
            ObjectNode row = items.addObject()
                    .put("volumeId", id)
                    .put("gatewayId", v.path("gatewayId").asLong())
                    .put("backendId", v.path("backendId").asText());
            JsonNode name = namedVolume(v).path("name");
            if (name.isTextual()) {
                row.put("name", name.asText());
            }
            if (sla == null) {
                row.putNull("sla");
            } else {
                row.put("sla", sla.path("name").asText());
            }
            row.put(
                            "priority",
                            sla == null
                                    ? "STANDARD"
                                    : sla.path("spec").path("priority").asText("STANDARD"))
                    .put("iops", iops)
                    .put("readIops", iops * 0.7)
                    .put("writeIops", iops * 0.3)
                    .put("bytesPerSec", iops * 4096)
                    .put("latencyP50Micros", 350)
                    .put("latencyP99Micros", 1200)
                    .put(
                            "latencyTargetMicros",
                            sla == null
                                    ? 0
                                    : sla.path("spec")
                                            .path("latency")
                                            .path("readMicros")
                                            .asLong(0))
                    .put("iopsLimit", limit)
                    .put(
                            "reservedIops",
                            sla == null
                                    ? 0
                                    : sla.path("spec").path("reservedIops").asLong(0))
                    .put("state", sla == null ? "NO_SLA" : "MET");
            ObjectNode manual = appliedThrottles.get(id);
            row.set("manual", manual == null ? null : manual.deepCopy());
        }
        ObjectNode r =
                json.createObjectNode().put("at", System.currentTimeMillis()).put("intervalMillis", 1000);
        r.set("items", items);
        r.put("next", next);
        return r;
    }

    private ObjectNode slaFor(long volumeId) {
        for (List<ObjectNode> versions : documents.get("sla").values()) {
            ObjectNode doc = versions.getLast();
            JsonNode scope = doc.path("spec").path("scope");
            if (!doc.path("deleted").asBoolean()
                    && scope.path("kind").asText().equals("VOLUME")
                    && scope.path("id").asText().equals(Long.toString(volumeId))) {
                return doc;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ helpers

    private ObjectNode withoutHash(ObjectNode user) {
        ObjectNode copy = user.deepCopy();
        copy.remove("passwordHash");
        return copy;
    }

    private ObjectNode withoutTokenHash(ObjectNode token) {
        ObjectNode copy = token.deepCopy();
        copy.remove("tokenHash");
        return copy;
    }

    private ObjectNode items(Collection<? extends JsonNode> rows) {
        ObjectNode r = json.createObjectNode();
        ArrayNode items = r.putArray("items");
        rows.forEach(items::add);
        r.putNull("next");
        return r;
    }

    private static String text(JsonNode req, String field) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            throw new JsonMailboxService.Problem(
                    CallStatus.INVALID,
                    new ObjectMapper()
                            .createObjectNode()
                            .put("type", "invalid")
                            .put("title", field + " is required")
                            .put("field", field)
                            .put("rule", "required"));
        }
        return n.asText();
    }

    private ObjectNode problemBody(int status, String title, String field, String rule) {
        ObjectNode p =
                json.createObjectNode().put("type", CallStatus.name(status)).put("title", title);
        if (field != null) {
            p.put("field", field);
        }
        if (rule != null) {
            p.put("rule", rule);
        }
        return p;
    }

    private JsonMailboxService.Problem problem(int status, String title, String field, String rule) {
        return new JsonMailboxService.Problem(status, problemBody(status, title, field, rule));
    }
}
