package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.services.compliance.Alert;
import io.sluice.services.compliance.Dimension;
import io.sluice.services.compliance.Verdict;
import io.sluice.services.control.ThrottleParams;
import io.sluice.services.inventory.DiscoveredGateways;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The database manager's JSON calls the services make, one method per call with typed parameters, so the daemon never
 * spells an operation's name or its fields. Each call is queued on the {@link DbForwarder} (never waiting for it); the
 * services act as {@value #ACTOR}.
 */
final class DbCalls {
    /** Who the database manager records as having made the services' calls. */
    static final String ACTOR = "system:services";

    /** One verdict of one dimension of one SLA on one volume for one interval. */
    record ComplianceResult(
            String sla,
            int volumeId,
            long intervalStartMillis,
            long intervalMillis,
            Dimension dimension,
            Verdict verdict) {}

    /**
     * One volume to register. {@code naming} and {@code backendId} may be null (not known), {@code allocatedBytes} is
     * sent only when positive and {@code usedBytes} only when not {@link #NOT_SENT}.
     */
    record VolumeRegistration(
            int volumeId,
            long gatewayId,
            DiscoveredGateways.VolumeNaming naming,
            String backendId,
            long allocatedBytes,
            long usedBytes) {
        static final long NOT_SENT = -1;
    }

    private final DbForwarder db;

    DbCalls(DbForwarder db) {
        this.db = db;
    }

    /** {@code compliance.append}: verdicts of one interval. */
    void appendCompliance(List<ComplianceResult> results) {
        List<Map<String, Object>> items = new ArrayList<>(results.size());
        for (ComplianceResult result : results) {
            items.add(Map.of(
                    "sla",
                    result.sla(),
                    "scope",
                    Map.of("kind", "VOLUME", "id", Integer.toString(result.volumeId())),
                    "intervalStart",
                    result.intervalStartMillis(),
                    "intervalMillis",
                    result.intervalMillis(),
                    "dimension",
                    result.dimension().name(),
                    "verdict",
                    result.verdict().name()));
        }
        db.call(Map.of("op", "compliance.append", "actor", ACTOR, "results", items));
    }

    /** {@code alert.upsert}: the alert as it is now; {@code onStored} gets the database manager's id of it. */
    void upsertAlert(Alert alert, LongConsumer onStored) {
        Map<String, Object> upsert = request("alert.upsert", ACTOR);
        upsert.put("key", alert.key());
        upsert.put("severity", alert.severity().name());
        upsert.put("message", alert.message());
        upsert.put("state", alert.active() ? "OPEN" : "CLEARED");
        upsert.put("at", alert.active() ? alert.raisedAtMillis() : alert.clearedAtMillis());
        db.call(upsert, (status, result) -> {
            if (result != null && result.has("id")) {
                onStored.accept(result.get("id").asLong());
            }
        });
    }

    /** {@code alert.ack}: the alert stored as {@code id} acknowledged by {@code actor} (an operator). */
    void ackAlert(String actor, long id) {
        Map<String, Object> ack = request("alert.ack", actor);
        ack.put("id", id);
        db.call(ack);
    }

    /**
     * {@code gateway.upsert}: a gateway seen, in the registry's state (PENDING_APPROVAL, REFUSED, or any other for
     * approved); {@code name} may be null.
     */
    void upsertGateway(long gatewayId, String registryState, long lastSeen, String name) {
        Map<String, Object> call = request("gateway.upsert", ACTOR);
        call.put("gatewayId", gatewayId);
        call.put(
                "state",
                switch (registryState) {
                    case "PENDING_APPROVAL" -> "PENDING";
                    case "REFUSED" -> "REJECTED";
                    default -> "APPROVED";
                });
        call.put("lastSeen", lastSeen);
        if (name != null) {
            call.put("name", name);
        }
        db.call(call);
    }

    /**
     * {@code volumes.upsert}: volumes seen, in one call; {@code onResult} learns whether the database manager stored
     * them.
     */
    void upsertVolumes(List<VolumeRegistration> volumes, JsonCallQueue.ResultHandler onResult) {
        List<Map<String, Object>> items = new ArrayList<>(volumes.size());
        for (VolumeRegistration volume : volumes) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("volumeId", volume.volumeId());
            item.put("gatewayId", volume.gatewayId());
            if (volume.naming() != null) {
                item.put("exportName", volume.naming().exportName());
                item.put("gatewayName", volume.naming().gatewayName());
                item.put("shared", volume.naming().shared());
            }
            if (volume.backendId() != null) {
                item.put("backendId", volume.backendId());
            }
            if (volume.allocatedBytes() > 0) {
                item.put("allocatedBytes", volume.allocatedBytes());
            }
            if (volume.usedBytes() != VolumeRegistration.NOT_SENT) {
                item.put("usedBytes", volume.usedBytes());
            }
            items.add(item);
        }
        db.call(Map.of("op", "volumes.upsert", "actor", ACTOR, "items", items), onResult);
    }

    /** {@code backend.upsert}: a backend's space at {@code at}, a point of its capacity history. */
    void upsertBackend(String backendId, long capacityBytes, long usedBytes, long at) {
        Map<String, Object> call = request("backend.upsert", ACTOR);
        call.put("backendId", backendId);
        call.put("capacityBytes", capacityBytes);
        call.put("usedBytes", usedBytes);
        call.put("at", at);
        db.call(call);
    }

    /** Sets per {@code throttle.record} call, the database manager's bound. */
    static final int THROTTLE_SETS_PER_CALL = 500;

    /** One throttle set sent to a gateway, to be stored as the last one of its volume and gateway. */
    record SentThrottle(long gatewayId, ThrottleParams params) {}

    /**
     * {@code throttle.record}: the sets sent (of any gateways), {@value #THROTTLE_SETS_PER_CALL} a call, so that a
     * server taking over resumes from them; the database manager keeps the newest version per volume and gateway.
     */
    void recordThrottles(List<SentThrottle> sent) {
        for (int from = 0; from < sent.size(); from += THROTTLE_SETS_PER_CALL) {
            List<Map<String, Object>> items = new ArrayList<>();
            for (SentThrottle set : sent.subList(from, Math.min(sent.size(), from + THROTTLE_SETS_PER_CALL))) {
                ThrottleParams p = set.params();
                items.add(Map.of(
                        "volumeId",
                        p.volumeId(),
                        "gatewayId",
                        set.gatewayId(),
                        "version",
                        p.version(),
                        "settings",
                        List.of(
                                p.weight(),
                                p.iopsLimit(),
                                p.readIopsLimit(),
                                p.writeIopsLimit(),
                                p.reservedIops(),
                                p.burstIops(),
                                p.burstLengthMillis(),
                                p.sizeNormalizationBytes(),
                                p.latencyTargetMicros(),
                                p.bandwidthLimit(),
                                p.readBandwidthLimit(),
                                p.writeBandwidthLimit(),
                                p.reservedBandwidth(),
                                p.burstBandwidth())));
            }
            db.call(Map.of("op", "throttleset.record", "actor", ACTOR, "items", items));
        }
    }

    /** {@code throttle.list}: a page of the last sets stored, after {@code after} (null: the first). */
    void listThrottles(Integer after, JsonCallQueue.ResultHandler onPage) {
        Map<String, Object> request = request("throttleset.list", ACTOR);
        if (after != null) {
            request.put("after", after);
        }
        db.call(request, onPage);
    }

    /** A set as {@code throttle.list} gives it back, or null if it is not one. */
    static ThrottleParams throttleOf(JsonNode item) {
        JsonNode v = item.path("settings");
        if (!v.isArray() || v.size() != 14 || item.path("volumeId").asInt() <= 0) {
            return null;
        }
        return new ThrottleParams(
                item.path("volumeId").asInt(),
                item.path("version").asLong(),
                v.get(0).asLong(),
                v.get(1).asLong(),
                v.get(2).asLong(),
                v.get(3).asLong(),
                v.get(4).asLong(),
                v.get(5).asLong(),
                v.get(6).asLong(),
                v.get(7).asLong(),
                v.get(8).asLong(),
                v.get(9).asLong(),
                v.get(10).asLong(),
                v.get(11).asLong(),
                v.get(12).asLong(),
                v.get(13).asLong());
    }

    /** The documents the startup load reads, page by page, in the order it reads them (see {@link #list}). */
    enum Listing {
        GROUPS("group.list"),
        SLAS("sla.list"),
        POLICIES("policy.list"),
        THROTTLES("throttle.list");

        final String op;

        Listing(String op) {
            this.op = op;
        }
    }

    /**
     * {@code group.list}, {@code sla.list} or {@code policy.list}: a page of {@code limit} after {@code after} (null:
     * the first).
     */
    void list(Listing listing, String after, int limit, JsonCallQueue.ResultHandler onPage) {
        Map<String, Object> request = request(listing.op, ACTOR);
        request.put("limit", limit);
        if (after != null) {
            request.put("after", after);
        }
        db.call(request, onPage);
    }

    private static Map<String, Object> request(String op, String actor) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", op);
        request.put("actor", actor);
        return request;
    }
}
