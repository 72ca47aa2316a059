package io.sluice.services.daemon;

import io.sluice.services.Alert;
import io.sluice.services.Dimension;
import io.sluice.services.GatewayRegistry;
import io.sluice.services.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The database manager's JSON calls the services make, one method per call with typed parameters, so the
 * daemon never spells an operation's name or its fields. Each call is queued on the {@link DbForwarder}
 * (never waiting for it); the services act as {@value #ACTOR}.
 */
final class DbCalls {
    /** Who the database manager records as having made the services' calls. */
    static final String ACTOR = "system:services";

    /** One verdict of one dimension of one SLA on one volume for one interval. */
    record ComplianceResult(String sla, int volumeId, long intervalStartMillis, long intervalMillis,
                            Dimension dimension, Verdict verdict) {
    }

    /**
     * One volume to register. {@code naming} and {@code backendId} may be null (not known), {@code allocatedBytes}
     * is sent only when positive and {@code usedBytes} only when not {@link #NOT_SENT}.
     */
    record VolumeRegistration(int volumeId, long gatewayId, GatewayRegistry.VolumeNaming naming, String backendId,
                              long allocatedBytes, long usedBytes) {
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
            items.add(Map.of("sla", result.sla(), "scope", Map.of("kind", "VOLUME", "id", Integer.toString(result.volumeId())),
                    "intervalStart", result.intervalStartMillis(), "intervalMillis", result.intervalMillis(),
                    "dimension", result.dimension().name(), "verdict", result.verdict().name()));
        }
        db.call(Map.of("op", "compliance.append", "actor", ACTOR, "results", items));
    }

    /** {@code alert.upsert}: the alert as it is now; {@code onStored} gets the database manager's id of it. */
    void upsertAlert(Alert alert, java.util.function.LongConsumer onStored) {
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
     * {@code gateway.upsert}: a gateway seen, in the registry's state (PENDING_APPROVAL, REFUSED, or any other
     * for approved); {@code name} may be null.
     */
    void upsertGateway(long gatewayId, String registryState, long lastSeen, String name) {
        Map<String, Object> call = request("gateway.upsert", ACTOR);
        call.put("gatewayId", gatewayId);
        call.put("state", switch (registryState) {
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

    /** {@code volumes.upsert}: volumes seen, in one call; {@code onResult} learns whether the database manager stored them. */
    void upsertVolumes(List<VolumeRegistration> volumes, DbForwarder.ResultHandler onResult) {
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

    /** The documents the startup load reads, page by page, in the order it reads them (see {@link #list}). */
    enum Listing {
        GROUPS("group.list"), SLAS("sla.list"), POLICIES("policy.list"), THROTTLES("throttle.list");

        final String op;

        Listing(String op) {
            this.op = op;
        }
    }

    /** {@code group.list}, {@code sla.list} or {@code policy.list}: a page of {@code limit} after {@code after} (null: the first). */
    void list(Listing listing, String after, int limit, DbForwarder.ResultHandler onPage) {
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
