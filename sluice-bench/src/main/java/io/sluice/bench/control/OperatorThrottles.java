package io.sluice.bench.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.bench.JsonCaller;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;

/**
 * Manual throttles as an operator sets them through the API (sluice-protocol/JSON-CALLS.md): stored with the database
 * manager ({@code throttle.set}), then applied by the SLA services ({@code throttle.apply}), which from their next
 * interval send exactly the throttle's limit for the volume instead of their own parameters. control-real's no-QoS and
 * static regimes run on the topology Sluice ran on this way: no limit in effect is a throttle far above what the array
 * can serve on both volumes; a static limit is a throttle on bronze.
 */
final class OperatorThrottles implements AutoCloseable {
    /** A limit no volume reaches on an array of {@link RealTopology#ARRAY_IOPS}: in effect none. */
    static final long UNLIMITED = 1_000_000;
    /** How long a throttle lasts: longer than any run; the database goes with the run's directory. */
    private static final long LASTS_MILLIS = 3_600_000;

    private static final long CALL_SECONDS = 30;

    private final JsonCaller db;
    private final JsonCaller services;

    OperatorThrottles(ServerSettings settings) {
        this.db = new JsonCaller(RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON);
        try {
            this.services = new JsonCaller(
                    RoleCatalog.mailbox(settings, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                    MailboxOpcodes.SERVICES_JSON);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Puts an IOPS throttle on {@code volumeId} in force (replacing the one before). */
    void set(int volumeId, long iops) throws Exception {
        JsonNode stored = db.ok(
                JsonCaller.request("throttle.set")
                        .put("volumeId", volumeId)
                        .put("iopsLimit", iops)
                        .put("expiresAt", System.currentTimeMillis() + LASTS_MILLIS)
                        .put("reason", "control-real regime"),
                CALL_SECONDS);
        ObjectNode apply = JsonCaller.request("throttle.apply");
        apply.set("throttle", stored);
        services.ok(apply, CALL_SECONDS);
    }

    /** The services' live view of the volumes (each one's limit sent and manual throttle), for a failure message. */
    String live() {
        try {
            return services.ok(JsonCaller.request("live.volumes"), CALL_SECONDS).toString();
        } catch (Exception e) {
            return "live.volumes failed: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        try {
            services.close();
        } finally {
            db.close();
        }
    }
}
