package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.CallStatus;
import io.sluice.services.capacity.CapacityForecaster;
import io.sluice.services.compliance.Alert;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.VolumeTracker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The SLA services' JSON calls (the {@code SERVICES_JSON} table of JSON-CALLS.md): applying versioned SLA, policy and
 * group documents, and the live views, compliance, alerts, forecasts, gateways and status the application server shows.
 * {@link #handle} never throws: a malformed request, an unknown op or a broken rule becomes a {@link CallStatus} and a
 * problem object, so one bad caller cannot stop the loop.
 *
 * <p>SLA, policy and group documents are {@link DocumentBook}'s.
 *
 * <p>{@code live.volumes}, {@code alerts.list} and {@code gateways.list} answer a page at a time ({@code limit},
 * default {@value ListPage#DEFAULT_PAGE}, and {@code after}, the {@code next} of the previous page), so 10,000 volumes
 * never overflow a slot.
 *
 * <p>Not thread-safe: runs on the services' loop thread, between analyzer intervals.
 */
final class ServicesQueries {
    /** A reply: a {@link CallStatus} and the UTF-8 JSON result or problem. */
    record Answer(int status, byte[] json) {}

    private final ServicesState state;
    private final ObjectMapper json = new ObjectMapper();
    private final int resultCapacity;
    private final DocumentBook documents;
    private final ManualThrottleCalls manual;
    private final LiveViews live;

    ServicesQueries(ServicesState state, int resultCapacity) {
        this.state = state;
        this.resultCapacity = resultCapacity;
        this.documents = new DocumentBook(state, json);
        this.manual = new ManualThrottleCalls(state.manual(), state.clock(), json);
        this.live = new LiveViews(state, json, manual);
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
            case "live.volumes" -> live.volumes(call);
            case "live.volume" -> live.volume(call);
            case "live.groups" -> live.groups();
            case "compliance.live" -> live.compliance();
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

    private JsonNode alertsList(JsonNode call) {
        ListPage page = ListPage.of(call);
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
        ListPage page = ListPage.of(call);
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        String next = null;
        List<DiscoveredGateways.Gateway> sorted =
                new ArrayList<>(state.gateways().all());
        sorted.sort(Comparator.comparingLong(DiscoveredGateways.Gateway::gatewayId));
        for (DiscoveredGateways.Gateway gateway : sorted) {
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
                .put("volumes", live.knownVolumes().size())
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
