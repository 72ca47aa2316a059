package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.CallStatus;
import io.sluice.services.Alert;
import io.sluice.services.CapacityForecaster;
import io.sluice.services.Dimension;
import io.sluice.services.EffectivePolicy;
import io.sluice.services.GatewayRegistry;
import io.sluice.services.IntervalVerdict;
import io.sluice.services.PolicyRule;
import io.sluice.services.PriorityClass;
import io.sluice.services.Rollup;
import io.sluice.services.Scope;
import io.sluice.services.Sla;
import io.sluice.services.SlaError;
import io.sluice.services.SlaRejectedException;
import io.sluice.services.StatsPoint;
import io.sluice.services.Verdict;
import io.sluice.services.VolumePlacement;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The SLA services' JSON calls (the {@code SERVICES_JSON} table of JSON-CALLS.md): applying versioned SLA,
 * policy and group documents, and the live views, compliance, alerts, forecasts, gateways and status the
 * application server shows. {@link #handle} never throws: a malformed request, an unknown op or a broken
 * rule becomes a {@link CallStatus} and a problem object, so one bad caller cannot stop the loop.
 *
 * <p>Documents carry the database manager's version; one no newer than the version held is ignored, so
 * replays (the startup load racing an edit, a retried call) are harmless. An applied edit takes effect at
 * the analyzer's next interval.
 *
 * <p>Not thread-safe: runs on the services' loop thread, between analyzer intervals.
 */
final class ServicesQueries {
    /** A reply: a {@link CallStatus} and the UTF-8 JSON result or problem. */
    record Answer(int status, byte[] json) {
    }

    static final int MAX_LIVE_SECONDS = 600;
    private static final Set<String> POLICY_FIELDS = Set.of("name", "kind", "window", "appliesTo", "iopsLimitFactor",
            "sla", "after", "actions");
    private static final Set<String> GROUP_FIELDS = Set.of("name", "kind", "members");

    private final ServicesState state;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Long> slaVersions = new HashMap<>();
    private final Map<String, Scope> slaScopes = new HashMap<>();
    private final Map<String, Sla> slas = new HashMap<>();
    private final Map<String, Long> policyVersions = new HashMap<>();
    private final Map<String, Long> groupVersions = new HashMap<>();
    private final Map<String, Scope> groupScopes = new HashMap<>();
    private final int resultCapacity;

    ServicesQueries(ServicesState state, int resultCapacity) {
        this.state = state;
        this.resultCapacity = resultCapacity;
    }

    /** Answers one request (the UTF-8 JSON in {@code request}). */
    Answer handle(byte[] request) {
        try {
            JsonNode call;
            try {
                call = json.readTree(request);
            } catch (java.io.IOException e) {
                throw CallProblem.invalid("", "json", "the request is not JSON: " + e.getMessage());
            }
            if (call == null || !call.isObject()) {
                throw CallProblem.invalid("", "object", "the request must be a JSON object");
            }
            JsonNode op = call.get("op");
            if (op == null || !op.isTextual()) {
                throw CallProblem.invalid("op", "required", "the request names no op");
            }
            JsonNode result = dispatch(op.asText(), call);
            byte[] bytes = json.writeValueAsBytes(result);
            if (bytes.length > resultCapacity) {
                return problem(new CallProblem(CallStatus.TOO_LARGE, "the answer needs " + bytes.length
                        + " bytes, a slot holds " + resultCapacity, null, null));
            }
            return new Answer(CallStatus.OK, bytes);
        } catch (CallProblem problem) {
            return problem(problem);
        } catch (ArithmeticException e) {
            return problem(CallProblem.invalid("", "range", "a number is out of range: " + e.getMessage()));
        } catch (RuntimeException | java.io.IOException e) {
            return problem(new CallProblem(CallStatus.INTERNAL, e.toString(), null, null));
        }
    }

    private JsonNode dispatch(String op, JsonNode call) {
        return switch (op) {
            case "sla.validate" -> validate(call);
            case "sla.apply" -> applySla(document(call));
            case "policy.apply" -> applyPolicy(document(call));
            case "group.apply" -> applyGroup(document(call));
            case "live.volumes" -> liveVolumes();
            case "live.volume" -> liveVolume(call);
            case "live.groups" -> liveGroups();
            case "compliance.live" -> complianceLive();
            case "alerts.list" -> alertsList();
            case "alert.ack" -> alertAck(call);
            case "forecast.list" -> forecastList();
            case "gateways.list" -> gatewaysList();
            case "status" -> status();
            default -> throw new CallProblem(CallStatus.UNKNOWN_OP, "no op '" + op + "' on the SLA services", "op",
                    "known-op");
        };
    }

    // ---- SLAs, policies, groups

    private JsonNode validate(JsonNode call) {
        SlaSpecCodec.Parsed parsed = SlaSpecCodec.read(call.get("spec"), 0);
        Scope scope = parsed.scope() != null ? parsed.scope() : Scope.tenant("validation:" + parsed.sla().name());
        List<SlaError> errors = state.book().check(scope, parsed.sla());
        if (!errors.isEmpty()) {
            throw rejected(errors);
        }
        return json.createObjectNode().put("valid", true);
    }

    private static JsonNode document(JsonNode call) {
        JsonNode doc = call.get("doc");
        if (doc == null || !doc.isObject()) {
            throw CallProblem.invalid("doc", "object", "the call needs a doc object");
        }
        JsonNode name = doc.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw CallProblem.invalid("doc.name", "required", "a document needs a name");
        }
        JsonNode version = doc.get("version");
        if (version == null || !version.isIntegralNumber() || version.asLong() < 1) {
            throw CallProblem.invalid("doc.version", "positive-integer", "a document needs a version >= 1");
        }
        return doc;
    }

    /** Applies an SLA document; also how the SLAs loaded from the database manager at start arrive. */
    JsonNode applySla(JsonNode doc) {
        String name = doc.get("name").asText();
        long version = doc.get("version").asLong();
        Long held = slaVersions.get(name);
        if (held != null && version <= held) {
            return ignored(held);
        }
        if (doc.path("deleted").asBoolean(false)) {
            Scope scope = slaScopes.remove(name);
            if (scope != null) {
                state.book().detach(scope);
            }
            slas.remove(name);
        } else {
            SlaSpecCodec.Parsed parsed = SlaSpecCodec.read(doc.get("spec"), version);
            if (!parsed.sla().name().equals(name)) {
                throw CallProblem.invalid("spec.name", "matches-doc", "the spec names '" + parsed.sla().name()
                        + "', the document '" + name + "'");
            }
            Scope previous = slaScopes.get(name);
            if (parsed.scope() != null) {
                try {
                    state.book().attach(parsed.scope(), parsed.sla());
                } catch (SlaRejectedException e) {
                    throw rejected(e.errors());
                }
                slaScopes.put(name, parsed.scope());
            } else {
                slaScopes.remove(name);
            }
            if (previous != null && !previous.equals(parsed.scope())) {
                state.book().detach(previous);
            }
            slas.put(name, parsed.sla());
        }
        slaVersions.put(name, version);
        return applied();
    }

    JsonNode applyPolicy(JsonNode doc) {
        String name = doc.get("name").asText();
        long version = doc.get("version").asLong();
        Long held = policyVersions.get(name);
        if (held != null && version <= held) {
            return ignored(held);
        }
        if (doc.path("deleted").asBoolean(false)) {
            state.rules().remove(name, state.clock().epochMillis());
        } else {
            state.rules().put(readPolicy(name, doc.get("spec")));
        }
        policyVersions.put(name, version);
        return applied();
    }

    JsonNode applyGroup(JsonNode doc) {
        String name = doc.get("name").asText();
        long version = doc.get("version").asLong();
        Long held = groupVersions.get(name);
        if (held != null && version <= held) {
            return ignored(held);
        }
        Scope previous = groupScopes.get(name);
        if (doc.path("deleted").asBoolean(false)) {
            if (previous != null) {
                state.inventory().setMembers(previous, List.of());
                groupScopes.remove(name);
            }
        } else {
            JsonNode spec = doc.get("spec");
            if (spec == null || !spec.isObject()) {
                throw CallProblem.invalid("spec", "object", "the group spec must be a JSON object");
            }
            SlaSpecCodec.rejectUnknown(spec, GROUP_FIELDS, "");
            Scope.Kind kind = SlaSpecCodec.enumValue(spec, "kind", "", Scope.Kind.class);
            if (kind == Scope.Kind.VOLUME) {
                throw CallProblem.invalid("kind", "group-kind", "a group is a TENANT, HOST or POOL");
            }
            JsonNode members = spec.path("members");
            if (!members.isArray()) {
                throw CallProblem.invalid("members", "array", "members must be an array of volume ids");
            }
            List<Integer> ids = new ArrayList<>();
            for (JsonNode member : members) {
                if (!member.isInt()) {
                    throw CallProblem.invalid("members", "volume-id", "a member is a volume id (an int), was " + member);
                }
                ids.add(member.asInt());
            }
            Scope scope = new Scope(kind, name);
            if (previous != null && !previous.equals(scope)) {
                state.inventory().setMembers(previous, List.of());
            }
            state.inventory().setMembers(scope, ids);
            groupScopes.put(name, scope);
        }
        state.book().membershipChanged();
        groupVersions.put(name, version);
        return applied();
    }

    private static PolicyRule readPolicy(String name, JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw CallProblem.invalid("spec", "object", "the policy spec must be a JSON object");
        }
        SlaSpecCodec.rejectUnknown(spec, POLICY_FIELDS, "");
        String kind = spec.path("kind").asText("");
        return switch (kind) {
            case "TIME_WINDOW" -> readTimeWindow(name, spec);
            case "ON_VIOLATION" -> readOnViolation(name, spec);
            default -> throw CallProblem.invalid("kind", "one-of", "a policy is TIME_WINDOW or ON_VIOLATION, was '" + kind + "'");
        };
    }

    private static PolicyRule readTimeWindow(String name, JsonNode spec) {
        JsonNode window = spec.path("window");
        if (!window.isObject()) {
            throw CallProblem.invalid("window", "object", "a TIME_WINDOW policy needs a window");
        }
        SlaSpecCodec.rejectUnknown(window, Set.of("days", "start", "end", "zone"), "window.");
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        JsonNode listed = window.path("days");
        if (listed.isMissingNode()) {
            days = EnumSet.allOf(DayOfWeek.class);
        } else if (listed.isArray()) {
            for (JsonNode day : listed) {
                days.add(dayOf(day.asText()));
            }
        } else {
            throw CallProblem.invalid("window.days", "array", "days must be an array like [\"MON\", \"TUE\"]");
        }
        LocalTime start = timeOf(window, "start");
        LocalTime end = timeOf(window, "end");
        ZoneId zone;
        try {
            zone = ZoneId.of(window.path("zone").asText("UTC"));
        } catch (java.time.DateTimeException e) {
            throw CallProblem.invalid("window.zone", "time-zone", "not a time zone: " + window.path("zone"));
        }
        JsonNode appliesTo = spec.path("appliesTo");
        if (!appliesTo.isObject()) {
            throw CallProblem.invalid("appliesTo", "object", "a TIME_WINDOW policy needs appliesTo {\"priority\": ...}");
        }
        PriorityClass priority = SlaSpecCodec.enumValue(appliesTo, "priority", "appliesTo.", PriorityClass.class);
        JsonNode factor = spec.path("iopsLimitFactor");
        if (!factor.isNumber() || !(factor.asDouble() > 0) || Double.isInfinite(factor.asDouble())) {
            throw CallProblem.invalid("iopsLimitFactor", "positive-number", "iopsLimitFactor must be a number > 0");
        }
        return new PolicyRule.TimeWindow(name, days, start, end, zone, priority, factor.asDouble());
    }

    private static PolicyRule readOnViolation(String name, JsonNode spec) {
        JsonNode sla = spec.path("sla");
        if (!sla.isTextual() || sla.asText().isBlank()) {
            throw CallProblem.invalid("sla", "required", "an ON_VIOLATION policy names an SLA");
        }
        int after = spec.path("after").asInt(0);
        JsonNode windowNode = spec.path("window");
        int window = windowNode.isInt() ? windowNode.asInt() : 0;
        if (!spec.path("after").isInt() || after < 1 || after > window) {
            throw CallProblem.invalid("after", "n-of-m", "needs 1 <= after <= window, was " + after + " of " + window);
        }
        boolean throttle = false;
        boolean alert = false;
        for (JsonNode action : spec.path("actions")) {
            switch (action.asText()) {
                case "THROTTLE_LOWER_CLASSES" -> throttle = true;
                case "ALERT" -> alert = true;
                default -> throw CallProblem.invalid("actions", "one-of",
                        "an action is THROTTLE_LOWER_CLASSES or ALERT, was " + action);
            }
        }
        if (!throttle && !alert) {
            throw CallProblem.invalid("actions", "required", "an ON_VIOLATION policy needs at least one action");
        }
        return new PolicyRule.OnViolation(name, sla.asText(), after, window, throttle, alert);
    }

    private static DayOfWeek dayOf(String day) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().startsWith(day) && day.length() == 3) {
                return d;
            }
        }
        throw CallProblem.invalid("window.days", "day", "not a day: '" + day + "' (MON..SUN)");
    }

    private static LocalTime timeOf(JsonNode window, String field) {
        try {
            return LocalTime.parse(window.path(field).asText(""));
        } catch (java.time.DateTimeException e) {
            throw CallProblem.invalid("window." + field, "time", "window." + field + " must be HH:MM, was "
                    + window.path(field));
        }
    }

    private ObjectNode applied() {
        return json.createObjectNode().put("applied", true).put("effectiveAt", state.analyzer().nextIntervalAt());
    }

    private ObjectNode ignored(long heldVersion) {
        return json.createObjectNode().put("applied", false).put("heldVersion", heldVersion)
                .put("detail", "the services hold this version or a newer one");
    }

    private static CallProblem rejected(List<SlaError> errors) {
        SlaError first = errors.getFirst();
        StringBuilder detail = new StringBuilder();
        for (SlaError error : errors) {
            detail.append(detail.isEmpty() ? "" : "; ").append(SlaSpecCodec.specField(error)).append(": ")
                    .append(error.rule().description()).append(error.detail().isEmpty() ? "" : " (" + error.detail() + ")");
        }
        return CallProblem.invalid(SlaSpecCodec.specField(first), first.rule().name(), detail.toString());
    }

    // ---- live views

    private JsonNode liveVolumes() {
        ObjectNode result = json.createObjectNode().put("at", state.clock().epochMillis())
                .put("intervalMillis", state.analyzer().intervalMillis());
        ArrayNode items = result.putArray("items");
        for (int volumeId : knownVolumes()) {
            VolumePlacement placement = state.inventory().volume(volumeId);
            EffectivePolicy policy = state.book().effective(volumeId);
            StatsPoint latest = state.recent().latest(volumeId);
            ObjectNode item = items.addObject().put("volumeId", volumeId);
            Long gateway = state.recent().gateways(volumeId).stream().min(Long::compare).orElse(null);
            item.put("gatewayId", gateway);
            item.put("backendId", placement == null ? null : placement.backendId());
            item.put("sla", policy.isManaged() ? slaName(policy.sources().getLast()) : null);
            item.put("priority", policy.priority().name());
            put(item, latest);
            item.put("latencyTargetMicros", policy.latency().tightestMicros());
            item.put("iopsLimit", state.sentLimit().applyAsLong(volumeId));
            item.put("reservedIops", policy.reservedIops());
            item.put("state", volumeState(volumeId, policy));
        }
        return result;
    }

    private void put(ObjectNode item, StatsPoint point) {
        double read = point == null ? 0 : point.readIops();
        double write = point == null ? 0 : point.writeIops();
        item.put("iops", read + write).put("readIops", read).put("writeIops", write)
                .put("bytesPerSec", point == null ? 0 : point.readBytesPerSecond() + point.writeBytesPerSecond())
                .put("latencyP50Micros", point == null ? 0 : Math.max(point.readP50Micros(), point.writeP50Micros()))
                .put("latencyP99Micros", point == null ? 0 : Math.max(point.readP99Micros(), point.writeP99Micros()));
    }

    private TreeSet<Integer> knownVolumes() {
        TreeSet<Integer> ids = new TreeSet<>(state.recent().volumeIds());
        for (VolumePlacement placement : state.inventory().volumes()) {
            ids.add(placement.volumeId());
        }
        return ids;
    }

    /** NO_SLA; VIOLATED while an alert on the volume is open; AT_RISK when its last interval missed; else MET. */
    private String volumeState(int volumeId, EffectivePolicy policy) {
        if (!policy.isManaged()) {
            return "NO_SLA";
        }
        for (Alert alert : state.judge().alerts().active()) {
            if (alert.volumeId() == volumeId && alert.dimension() != null) {
                return "VIOLATED";
            }
        }
        IntervalVerdict verdict = state.judge().latest(volumeId);
        return verdict != null && !verdict.met() ? "AT_RISK" : "MET";
    }

    private JsonNode liveVolume(JsonNode call) {
        JsonNode id = call.get("volumeId");
        if (id == null || !id.isInt()) {
            throw CallProblem.invalid("volumeId", "volume-id", "volumeId must be an int");
        }
        int seconds = 60;
        if (call.hasNonNull("seconds")) {
            if (!call.get("seconds").isInt() || call.get("seconds").asInt() < 1 || call.get("seconds").asInt() > MAX_LIVE_SECONDS) {
                throw CallProblem.invalid("seconds", "range", "seconds must be 1.." + MAX_LIVE_SECONDS);
            }
            seconds = call.get("seconds").asInt();
        }
        int volumeId = id.asInt();
        if (!knownVolumes().contains(volumeId)) {
            throw CallProblem.notFound("no volume " + volumeId);
        }
        long now = state.clock().epochMillis();
        long limit = state.sentLimit().applyAsLong(volumeId);
        ObjectNode result = json.createObjectNode().put("volumeId", volumeId);
        ArrayNode points = result.putArray("points");
        for (StatsPoint point : state.recent().series(volumeId, now - seconds * 1000L, Long.MAX_VALUE)) {
            ObjectNode p = points.addObject().put("t", point.startMillis());
            put(p, point);
            p.remove(List.of("readIops", "writeIops"));
            p.put("iopsLimit", limit);
        }
        return result;
    }

    private JsonNode liveGroups() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (Scope group : state.inventory().groups()) {
            double iops = 0;
            double bytes = 0;
            String worst = "NO_SLA";
            for (VolumePlacement member : state.inventory().members(group)) {
                StatsPoint latest = state.recent().latest(member.volumeId());
                if (latest != null) {
                    iops += latest.readIops() + latest.writeIops();
                    bytes += latest.readBytesPerSecond() + latest.writeBytesPerSecond();
                }
                worst = worse(worst, volumeState(member.volumeId(), state.book().effective(member.volumeId())));
            }
            Sla sla = state.book().attached(group);
            items.addObject().put("kind", group.kind().name()).put("id", group.id()).put("iops", iops)
                    .put("bytesPerSec", bytes).put("iopsLimit", sla == null ? 0 : sla.iops().effectiveTotal())
                    .put("state", worst);
        }
        return result;
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("NO_SLA", "MET", "AT_RISK", "VIOLATED");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private JsonNode complianceLive() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        Map<String, Scope> byName = new HashMap<>();
        state.book().attachedAll().forEach((scope, sla) -> byName.put(sla.name(), scope));
        long now = state.clock().epochMillis();
        for (Map.Entry<String, Scope> entry : new java.util.TreeMap<>(byName).entrySet()) {
            String name = entry.getKey();
            Map<Dimension, Verdict> dimensions = new java.util.EnumMap<>(Dimension.class);
            for (VolumePlacement member : state.inventory().members(entry.getValue())) {
                IntervalVerdict verdict = state.judge().latest(member.volumeId());
                if (verdict == null) {
                    continue;
                }
                for (Dimension d : Dimension.values()) {
                    Verdict v = verdict.of(d);
                    Verdict held = dimensions.get(d);
                    if (held == null || held == Verdict.NOT_APPLICABLE || v == Verdict.MISSED) {
                        dimensions.put(d, v);
                    }
                }
            }
            double minute = metPercent(state.judge().slaRollups(name, Rollup.Resolution.MINUTE), now, 60_000L);
            double hour = metPercent(state.judge().slaRollups(name, Rollup.Resolution.HOUR), now, 3_600_000L);
            double month = metPercent(state.judge().slaRollups(name, Rollup.Resolution.DAY), now, 30 * 86_400_000L);
            boolean missedNow = dimensions.containsValue(Verdict.MISSED);
            Sla sla = state.book().attached(entry.getValue());
            double target = sla == null ? 99 : sla.complianceTarget() * 100;
            String verdict = hour < target ? "VIOLATED" : missedNow ? "AT_RISK" : "MET";
            ObjectNode item = items.addObject().put("sla", name);
            // The SLA spec's scope shape, {"kind", "id"}, as everywhere in JSON-CALLS.md.
            item.putObject("scope").put("kind", entry.getValue().kind().name()).put("id", entry.getValue().id());
            item.put("state", verdict).put("metPercent1m", minute).put("metPercent1h", hour).put("metPercent30d", month);
            ObjectNode dims = item.putObject("dimensions");
            for (Dimension d : Dimension.values()) {
                dims.put(d.name(), dimensions.getOrDefault(d, Verdict.NOT_APPLICABLE).name());
            }
        }
        return result;
    }

    /** Met share of the judged intervals in rollups starting within {@code spanMillis} of now, in percent; 100 when none. */
    private static double metPercent(List<Rollup> rollups, long now, long spanMillis) {
        long met = 0;
        long judged = 0;
        for (Rollup rollup : rollups) {
            if (rollup.startMillis() + rollup.resolution().millis() <= now - spanMillis) {
                continue;
            }
            // An interval is met when no dimension missed; the dimension missed most bounds the met count.
            long worstMissed = 0;
            long intervals = 0;
            for (Dimension d : Dimension.values()) {
                worstMissed = Math.max(worstMissed, rollup.missed(d));
                intervals = Math.max(intervals, rollup.met(d) + rollup.missed(d));
            }
            met += intervals - worstMissed;
            judged += intervals;
        }
        return judged == 0 ? 100 : 100.0 * met / judged;
    }

    private JsonNode alertsList() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (Alert alert : state.judge().alerts().active()) {
            items.add(alertJson(json, alert));
        }
        return result;
    }

    /** An alert as the database manager stores it (JSON-CALLS.md). */
    static ObjectNode alertJson(ObjectMapper json, Alert alert) {
        ObjectNode node = json.createObjectNode().put("id", alert.publicId()).put("key", alert.key())
                .put("severity", alert.severity().name()).put("message", alert.message())
                .put("state", alert.active() ? "OPEN" : "CLEARED").put("openedAt", alert.raisedAtMillis());
        node.put("clearedAt", alert.active() ? null : alert.clearedAtMillis());
        node.put("acknowledgedBy", alert.acknowledgedBy());
        node.put("acknowledgedAt", alert.acknowledgedBy() == null ? null : alert.acknowledgedAtMillis());
        return node;
    }

    private JsonNode alertAck(JsonNode call) {
        JsonNode id = call.get("id");
        if (id == null || !id.canConvertToLong() || !id.isIntegralNumber()) {
            throw CallProblem.invalid("id", "alert-id", "id must be an alert id");
        }
        // The id the web has is the one alerts.list gave: the database manager's (JSON-CALLS.md).
        Alert alert = state.judge().alerts().findPublic(id.asLong());
        if (alert == null) {
            throw CallProblem.notFound("no alert " + id.asLong());
        }
        String actor = call.path("actor").asText("unknown");
        if (!state.judge().alerts().acknowledge(alert.id(), actor, state.clock().epochMillis()) && alert.acknowledgedBy() == null) {
            throw new CallProblem(CallStatus.CONFLICT, "alert " + alert.publicId() + " is cleared", "id", "open-alert");
        }
        return alertJson(json, alert);
    }

    private JsonNode forecastList() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (CapacityForecaster.Forecast f : new java.util.TreeMap<>(state.forecasts()).values()) {
            ObjectNode item = items.addObject().put("backendId", f.backendId()).put("capacityBytes", f.capacityBytes())
                    .put("usedBytes", f.usedBytes()).put("bytesPerDay", f.growthBytesPerDay());
            item.put("daysUntilFull", Double.isInfinite(f.daysUntilFull()) ? null : f.daysUntilFull());
            var severity = state.forecastSeverity().get(f.backendId());
            item.put("severity", severity == null ? "OK" : severity.name());
        }
        return result;
    }

    private JsonNode gatewaysList() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (GatewayRegistry.Gateway gateway : state.gateways().all()) {
            ObjectNode item = items.addObject().put("gatewayId", gateway.gatewayId()).put("state", gateway.state())
                    .put("since", gateway.since()).put("lastSeen", gateway.lastSeen());
            ArrayNode volumes = item.putArray("volumes");
            gateway.volumes().forEach(volumes::add);
        }
        return result;
    }

    private JsonNode status() {
        ObjectNode result = json.createObjectNode().put("intervalMillis", state.analyzer().intervalMillis())
                .put("ticks", state.analyzer().ticks()).put("volumes", knownVolumes().size())
                .put("gateways", state.gateways().size()).put("slas", slas.size())
                .put("lastTickMicros", state.analyzer().lastTickNanos() / 1000);
        ObjectNode db = result.putObject("dbForwarding");
        DbForwarder forwarder = state.db();
        db.put("enabled", forwarder != null);
        if (forwarder != null) {
            db.put("attached", forwarder.attached()).put("pendingSamples", forwarder.pendingSamples())
                    .put("pendingCalls", forwarder.pendingCalls()).put("inFlight", forwarder.inFlight())
                    .put("lastBatchId", forwarder.lastBatchId()).put("storedBatches", forwarder.storedBatches())
                    .put("droppedSamples", forwarder.droppedSamples()).put("droppedCalls", forwarder.droppedCalls())
                    .put("lastError", forwarder.lastError());
        }
        return result;
    }

    private static String slaName(String source) {
        return source.substring(0, source.lastIndexOf('@'));
    }

    private Answer problem(CallProblem problem) {
        ObjectNode node = json.createObjectNode().put("type", CallStatus.name(problem.status()))
                .put("title", title(problem.status())).put("detail", problem.getMessage());
        if (problem.field() != null) {
            node.put("field", problem.field());
        }
        if (problem.rule() != null) {
            node.put("rule", problem.rule());
        }
        try {
            return new Answer(problem.status(), json.writeValueAsBytes(node));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String title(int status) {
        return switch (status) {
            case CallStatus.INVALID -> "The request breaks a rule";
            case CallStatus.CONFLICT -> "The request conflicts with the current state";
            case CallStatus.NOT_FOUND -> "No such thing";
            case CallStatus.TOO_LARGE -> "The answer does not fit a slot";
            case CallStatus.UNKNOWN_OP -> "Unknown op";
            default -> "The SLA services failed";
        };
    }
}
