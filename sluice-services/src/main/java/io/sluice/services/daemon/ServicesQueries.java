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
import io.sluice.services.ManualThrottle;
import io.sluice.services.Rollup;
import io.sluice.services.Scope;
import io.sluice.services.Sla;
import io.sluice.services.StatsPoint;
import io.sluice.services.Verdict;
import io.sluice.services.VolumePlacement;
import io.sluice.services.VolumeTracker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The SLA services' JSON calls (the {@code SERVICES_JSON} table of JSON-CALLS.md): applying versioned SLA, policy and
 * group documents, and the live views, compliance, alerts, forecasts, gateways and status the application server shows.
 * {@link #handle} never throws: a malformed request, an unknown op or a broken rule becomes a {@link CallStatus} and a
 * problem object, so one bad caller cannot stop the loop.
 *
 * <p>SLA, policy and group documents are {@link DocumentBook}'s.
 *
 * <p>{@code live.volumes}, {@code alerts.list} and {@code gateways.list} answer a page at a time ({@code limit},
 * default {@value #DEFAULT_PAGE}, and {@code after}, the {@code next} of the previous page), so 10,000 volumes never
 * overflow a slot.
 *
 * <p>Not thread-safe: runs on the services' loop thread, between analyzer intervals.
 */
final class ServicesQueries {
    /** A reply: a {@link CallStatus} and the UTF-8 JSON result or problem. */
    record Answer(int status, byte[] json) {}

    static final int MAX_LIVE_SECONDS = 600;

    private final ServicesState state;
    private final ObjectMapper json = new ObjectMapper();
    private final int resultCapacity;
    private final DocumentBook documents;
    private final ManualThrottleCalls manual;

    ServicesQueries(ServicesState state, int resultCapacity) {
        this.state = state;
        this.resultCapacity = resultCapacity;
        this.documents = new DocumentBook(state, json);
        this.manual = new ManualThrottleCalls(state.manual(), state.clock(), json);
    }

    /** Operators' manual throttles; how the startup load applies those in force. */
    ManualThrottleCalls manualThrottles() {
        return manual;
    }

    /** The documents held; how the startup load and the bootstrap file apply theirs. */
    DocumentBook documents() {
        return documents;
    }

    /** Answers one request (the UTF-8 JSON in {@code request}). */
    Answer handle(byte[] request) {
        try {
            JsonNode call;
            try {
                call = json.readTree(request);
            } catch (IOException e) {
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
                return problem(new CallProblem(
                        CallStatus.TOO_LARGE,
                        "the answer needs " + bytes.length + " bytes, a slot holds " + resultCapacity,
                        null,
                        null));
            }
            return new Answer(CallStatus.OK, bytes);
        } catch (CallProblem problem) {
            return problem(problem);
        } catch (ArithmeticException e) {
            return problem(CallProblem.invalid("", "range", "a number is out of range: " + e.getMessage()));
        } catch (RuntimeException | IOException e) {
            return problem(new CallProblem(CallStatus.INTERNAL, e.toString(), null, null));
        }
    }

    private JsonNode dispatch(String op, JsonNode call) {
        return switch (op) {
            case "sla.validate" -> documents.validate(call);
            case "sla.apply" -> documents.applySla(DocumentBook.document(call));
            case "policy.apply" -> documents.applyPolicy(DocumentBook.document(call));
            case "group.apply" -> documents.applyGroup(DocumentBook.document(call));
            case "throttle.apply" -> manual.apply(call);
            case "throttle.cancel" -> manual.cancel(call);
            case "throttle.list" -> manual.list();
            case "live.volumes" -> liveVolumes(call);
            case "live.volume" -> liveVolume(call);
            case "live.groups" -> liveGroups();
            case "compliance.live" -> complianceLive();
            case "alerts.list" -> alertsList(call);
            case "alert.ack" -> alertAck(call);
            case "forecast.list" -> forecastList();
            case "gateways.list" -> gatewaysList(call);
            case "status" -> status();
            default ->
                throw new CallProblem(
                        CallStatus.UNKNOWN_OP, "no op '" + op + "' on the SLA services", "op", "known-op");
        };
    }

    // ---- live views

    /** A page of a listing: {@code limit} items (1..MAX_PAGE, DEFAULT_PAGE when absent) after the cursor. */
    private record Page(int limit, long after) {}

    static final int DEFAULT_PAGE = 500;
    static final int MAX_PAGE = 2_000;

    /** The page a listing call asks for; the cursor is the last id of the previous page, as a string. */
    private static Page page(JsonNode call) {
        int limit = DEFAULT_PAGE;
        if (call.hasNonNull("limit")) {
            JsonNode node = call.get("limit");
            if (!node.isInt() || node.asInt() < 1 || node.asInt() > MAX_PAGE) {
                throw CallProblem.invalid("limit", "range", "limit must be 1.." + MAX_PAGE);
            }
            limit = node.asInt();
        }
        long after = Long.MIN_VALUE;
        if (call.hasNonNull("after")) {
            try {
                after = Long.parseLong(call.get("after").asText());
            } catch (NumberFormatException e) {
                throw CallProblem.invalid("after", "cursor", "after must be a cursor from a previous page's next");
            }
        }
        return new Page(limit, after);
    }

    private JsonNode liveVolumes(JsonNode call) {
        Page page = page(call);
        ObjectNode result = json.createObjectNode()
                .put("at", state.clock().epochMillis())
                .put("intervalMillis", state.analyzer().intervalMillis());
        ArrayNode items = result.putArray("items");
        Set<Integer> alerted = alertedVolumes();
        String next = null;
        for (int volumeId : knownVolumes()
                .tailSet((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, page.after())), false)) {
            if (items.size() == page.limit()) {
                next = Integer.toString(
                        items.get(items.size() - 1).get("volumeId").asInt());
                break;
            }
            VolumePlacement placement = state.inventory().volume(volumeId);
            EffectivePolicy policy = state.book().effective(volumeId);
            StatsPoint latest = state.recent().latest(volumeId);
            ObjectNode item = items.addObject().put("volumeId", volumeId).put("name", volumeName(volumeId));
            Long gateway = state.recent().gateways(volumeId).stream()
                    .min(Long::compare)
                    .orElse(null);
            item.put("gatewayId", gateway);
            item.put("backendId", placement == null ? null : placement.backendId());
            item.put("sla", policy.isManaged() ? slaName(policy.sources().getLast()) : null);
            item.put("priority", policy.priority().name());
            put(item, latest);
            item.put("latencyTargetMicros", policy.latency().tightestMicros());
            item.put("iopsLimit", state.sentLimit().applyAsLong(volumeId));
            item.put("reservedIops", policy.reservedIops());
            item.put("state", volumeState(volumeId, policy, alerted));
            ManualThrottle throttle = manual.inForce(volumeId);
            item.set("manual", throttle == null ? null : manual.describe(throttle));
        }
        result.put("next", next);
        return result;
    }

    /** Volumes with an open alert on one of their SLA's dimensions. */
    private Set<Integer> alertedVolumes() {
        Set<Integer> alerted = new HashSet<>();
        for (Alert alert : state.judge().alerts().active()) {
            if (alert.dimension() != null) {
                alerted.add(alert.volumeId());
            }
        }
        return alerted;
    }

    private void put(ObjectNode item, StatsPoint point) {
        double read = point == null ? 0 : point.readIops();
        double write = point == null ? 0 : point.writeIops();
        item.put("iops", read + write)
                .put("readIops", read)
                .put("writeIops", write)
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
    private String volumeState(int volumeId, EffectivePolicy policy, Set<Integer> alerted) {
        if (!policy.isManaged()) {
            return "NO_SLA";
        }
        if (alerted.contains(volumeId)) {
            return "VIOLATED";
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
            if (!call.get("seconds").isInt()
                    || call.get("seconds").asInt() < 1
                    || call.get("seconds").asInt() > MAX_LIVE_SECONDS) {
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
        ObjectNode result = json.createObjectNode().put("volumeId", volumeId).put("name", volumeName(volumeId));
        ArrayNode points = result.putArray("points");
        for (StatsPoint point : state.recent().series(volumeId, now - seconds * 1000L, Long.MAX_VALUE)) {
            ObjectNode p = points.addObject().put("t", point.startMillis());
            put(p, point);
            p.remove(List.of("readIops", "writeIops"));
            p.put("iopsLimit", limit);
        }
        return result;
    }

    /** What people call the volume, or null before the monitor announced it. */
    private String volumeName(int volumeId) {
        GatewayRegistry.VolumeNaming naming = state.gateways().naming(volumeId);
        return naming == null ? null : naming.name();
    }

    private JsonNode liveGroups() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        Set<Integer> alerted = alertedVolumes();
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
                worst = worse(
                        worst, volumeState(member.volumeId(), state.book().effective(member.volumeId()), alerted));
            }
            Sla sla = state.book().attached(group);
            items.addObject()
                    .put("kind", group.kind().name())
                    .put("id", group.id())
                    .put("iops", iops)
                    .put("bytesPerSec", bytes)
                    .put("iopsLimit", sla == null ? 0 : sla.iops().effectiveTotal())
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
        for (Map.Entry<String, Scope> entry : new TreeMap<>(byName).entrySet()) {
            String name = entry.getKey();
            Map<Dimension, Verdict> dimensions = new EnumMap<>(Dimension.class);
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
            // The scope as an SLA spec writes it, and as compliance.append sends it to the database manager.
            item.putObject("scope")
                    .put("kind", entry.getValue().kind().name())
                    .put("id", entry.getValue().id());
            item.put("state", verdict)
                    .put("metPercent1m", minute)
                    .put("metPercent1h", hour)
                    .put("metPercent30d", month);
            ObjectNode dims = item.putObject("dimensions");
            for (Dimension d : Dimension.values()) {
                dims.put(
                        d.name(),
                        dimensions.getOrDefault(d, Verdict.NOT_APPLICABLE).name());
            }
        }
        return result;
    }

    /**
     * Met share of the judged intervals in rollups starting within {@code spanMillis} of now, in percent; 100 when
     * none.
     */
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

    private JsonNode alertsList(JsonNode call) {
        Page page = page(call);
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        String next = null;
        for (Alert alert : state.judge().alerts().active()) {
            if (alert.id() <= page.after()) {
                continue;
            }
            if (items.size() == page.limit()) {
                next = Long.toString(items.get(items.size() - 1).get("id").asLong());
                break;
            }
            items.add(alertJson(json, alert));
        }
        result.put("next", next);
        return result;
    }

    /** An alert as the database manager stores it (JSON-CALLS.md). */
    static ObjectNode alertJson(ObjectMapper json, Alert alert) {
        ObjectNode node = json.createObjectNode()
                .put("id", alert.publicId())
                .put("key", alert.key())
                .put("severity", alert.severity().name())
                .put("message", alert.message())
                .put("state", alert.active() ? "OPEN" : "CLEARED")
                .put("openedAt", alert.raisedAtMillis());
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
        if (!state.judge().alerts().acknowledge(alert.id(), actor, state.clock().epochMillis())
                && alert.acknowledgedBy() == null) {
            throw new CallProblem(CallStatus.CONFLICT, "alert " + alert.publicId() + " is cleared", "id", "open-alert");
        }
        return alertJson(json, alert);
    }

    private JsonNode forecastList() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (CapacityForecaster.Forecast f : new TreeMap<>(state.capacity().forecasts()).values()) {
            ObjectNode item = items.addObject()
                    .put("backendId", f.backendId())
                    .put("capacityBytes", f.capacityBytes())
                    .put("usedBytes", f.usedBytes())
                    .put("bytesPerDay", f.growthBytesPerDay());
            item.put("daysUntilFull", Double.isInfinite(f.daysUntilFull()) ? null : f.daysUntilFull());
            var severity = state.capacity().severity(f.backendId());
            item.put("severity", severity == null ? "OK" : severity.name());
        }
        return result;
    }

    private JsonNode gatewaysList(JsonNode call) {
        Page page = page(call);
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        String next = null;
        List<GatewayRegistry.Gateway> sorted = new ArrayList<>(state.gateways().all());
        sorted.sort(Comparator.comparingLong(GatewayRegistry.Gateway::gatewayId));
        for (GatewayRegistry.Gateway gateway : sorted) {
            if (gateway.gatewayId() <= page.after()) {
                continue;
            }
            if (items.size() == page.limit()) {
                next = Long.toString(
                        items.get(items.size() - 1).get("gatewayId").asLong());
                break;
            }
            ObjectNode item = items.addObject()
                    .put("gatewayId", gateway.gatewayId())
                    .put("name", gateway.name())
                    .put("state", gateway.state())
                    .put("since", gateway.since())
                    .put("lastSeen", gateway.lastSeen());
            ArrayNode volumes = item.putArray("volumes");
            gateway.volumes().forEach(volumes::add);
        }
        result.put("next", next);
        return result;
    }

    private JsonNode status() {
        ObjectNode result = json.createObjectNode()
                .put("intervalMillis", state.analyzer().intervalMillis())
                .put("ticks", state.analyzer().ticks())
                .put("volumes", knownVolumes().size())
                .put("gateways", state.gateways().size())
                .put("slas", documents.slaCount())
                .put("lastTickMicros", state.analyzer().lastTickNanos() / 1000);
        VolumeTracker tracker = state.tracker();
        result.putObject("volumeState")
                .put("tracked", tracker.tracked())
                .put("limit", tracker.maxVolumes())
                .put("evicted", tracker.evicted())
                .put("refusedOverLimit", tracker.refused())
                .put("expiryMillis", tracker.expiryMillis());
        ObjectNode db = result.putObject("dbForwarding");
        DbForwarder forwarder = state.db();
        ThrottleOutbox throttles = state.throttles();
        result.putObject("throttleSets")
                .put("posted", throttles.posted())
                .put("acked", throttles.acked())
                .put("stored", throttles.stored())
                .put("failed", throttles.failed())
                .put("merged", throttles.merged())
                .put("inheritedAcked", throttles.inheritedAcked())
                .put("inheritedFailed", throttles.inheritedFailed())
                .put("waiting", throttles.waiting())
                .put("inFlight", throttles.inFlight())
                .put("setsPerCall", throttles.setsPerCall());
        PollDriver polls = state.polls();
        result.putObject("pollRequests")
                .put("requested", polls.requested())
                .put("answered", polls.answered())
                .put("unanswered", polls.unanswered())
                .put("notPosted", polls.notPosted())
                .put("waiting", polls.waiting());
        result.put(
                "manualThrottles",
                state.manual().all(state.clock().epochMillis()).size());
        db.put("enabled", forwarder != null);
        if (forwarder != null) {
            db.put("attached", forwarder.attached())
                    .put("pushingBack", forwarder.full())
                    .put("pendingSamples", forwarder.pendingSamples())
                    .put("pendingCalls", forwarder.pendingCalls())
                    .put("inFlight", forwarder.inFlight())
                    .put("lastBatchId", forwarder.lastBatchId())
                    .put("storedBatches", forwarder.storedBatches())
                    .put("inheritedStored", forwarder.inheritedStored())
                    .put("inheritedLost", forwarder.inheritedLost())
                    .put("inheritedCalls", forwarder.inheritedCalls())
                    .put("unknownVolumeRefusals", forwarder.unknownVolumeRefusals())
                    .put("droppedSamples", forwarder.droppedSamples())
                    .put("droppedCalls", forwarder.droppedCalls())
                    .put("lastError", forwarder.lastError());
        }
        return result;
    }

    private static String slaName(String source) {
        return source.substring(0, source.lastIndexOf('@'));
    }

    private Answer problem(CallProblem problem) {
        ObjectNode node = json.createObjectNode()
                .put("type", CallStatus.name(problem.status()))
                .put("title", title(problem.status()))
                .put("detail", problem.getMessage());
        if (problem.field() != null) {
            node.put("field", problem.field());
        }
        if (problem.rule() != null) {
            node.put("rule", problem.rule());
        }
        try {
            return new Answer(problem.status(), json.writeValueAsBytes(node));
        } catch (IOException e) {
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
