package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.Role;
import io.sluice.web.auth.Secrets;
import io.sluice.web.call.CalleeLink;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.ApiSchemas;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.OperationsSchemas;
import io.sluice.web.http.QueryParams;
import io.sluice.web.http.Routes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The gateway registry: the database manager's records, joined with what the SLA services last heard from each gateway.
 * Approval and revocation go to the monitor first (it is the one that admits or drops a session), then into the
 * registry, then into the audit log.
 */
public final class GatewayApi {
    private static final Set<String> STATES = Set.of("APPROVED", "PENDING", "REVOKED", "REJECTED");
    /** Prefix of the database settings that record issued enrollment tokens, keyed by the token's SHA-256. */
    public static final String ENROLLMENT_SETTING_PREFIX = "enrollment-token.";

    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final CalleeLink monitor;
    private final EpochClock clock;

    public GatewayApi(RoleCalls calls, JsonBodies bodies, CalleeLink monitor, EpochClock clock) {
        this.calls = calls;
        this.bodies = bodies;
        this.monitor = monitor;
        this.clock = clock;
    }

    public void register(Routes routes) {
        routes.get(
                        "/api/gateways",
                        Role.VIEWER,
                        "gateways",
                        "Registered gateways with their live state (filter: state)",
                        this::list)
                .schemas(null, ApiSchemas.GATEWAYS)
                .action(
                        "/api/gateways/{gatewayId}/approve",
                        Role.ADMIN,
                        "gateways",
                        "Approve a pending gateway",
                        (ctx, p) -> decide(ctx, p, "APPROVED"))
                .schemas(null, ApiSchemas.GATEWAY)
                .action(
                        "/api/gateways/{gatewayId}/reject",
                        Role.ADMIN,
                        "gateways",
                        "Reject a pending gateway",
                        (ctx, p) -> decide(ctx, p, "REJECTED"))
                .schemas(null, ApiSchemas.GATEWAY)
                .action(
                        "/api/gateways/{gatewayId}/revoke",
                        Role.ADMIN,
                        "gateways",
                        "Revoke a gateway and close its session",
                        (ctx, p) -> decide(ctx, p, "REVOKED"))
                .schemas(null, ApiSchemas.GATEWAY)
                .action(
                        "/api/gateways/{gatewayId}/poll",
                        Role.OPERATOR,
                        "gateways",
                        "Ask the gateway for fresh statistics now (404 when it is not in session)",
                        this::poll)
                .schemas(null, OperationsSchemas.GATEWAY_POLL)
                .post(
                        "/api/gateways/{gatewayId}/shared-volumes/bind",
                        Role.ADMIN,
                        "gateways",
                        "Let the gateway serve the volume its exports flag shared under the name in the body (it registers again)",
                        (ctx, p) -> sharedVolume(ctx, p, true))
                .schemas(OperationsSchemas.SHARED_VOLUME, OperationsSchemas.SHARED_BINDING)
                .post(
                        "/api/gateways/{gatewayId}/shared-volumes/unbind",
                        Role.ADMIN,
                        "gateways",
                        "Take the shared volume named in the body from the gateway, which registers again without it",
                        (ctx, p) -> sharedVolume(ctx, p, false))
                .schemas(OperationsSchemas.SHARED_VOLUME, OperationsSchemas.SHARED_BINDING)
                .post(
                        "/api/gateways/enrollment-tokens",
                        Role.ADMIN,
                        "gateways",
                        "Issue a single-use enrollment token (shown once)",
                        this::issueToken)
                .schemas(OperationsSchemas.ENROLLMENT_REQUEST, OperationsSchemas.ENROLLMENT_TOKEN);
    }

    private void list(Context ctx, Principal p) {
        ObjectNode args = calls.args();
        String state = QueryParams.oneOf(ctx, "state", null, STATES);
        if (state != null) {
            args.put("state", state);
        }
        JsonNode registry = calls.db("gateway.list", p.actor(), args);
        Map<Long, JsonNode> live = new HashMap<>();
        boolean liveKnown = true;
        try {
            for (JsonNode g :
                    calls.services("gateways.list", p.actor(), calls.args()).path("items")) {
                live.put(g.path("gatewayId").asLong(), g);
            }
        } catch (ApiProblem e) {
            // The registry alone is still worth showing while the services are away.
            liveKnown = false;
        }
        ArrayNode items = bodies.mapper().createArrayNode();
        for (JsonNode g : registry.path("items")) {
            ObjectNode row = (ObjectNode) g.deepCopy();
            row.set("live", live.get(g.path("gatewayId").asLong()));
            items.add(row);
        }
        ObjectNode answer = bodies.mapper().createObjectNode();
        answer.set("items", items);
        answer.put("liveKnown", liveKnown);
        bodies.send(ctx, answer);
    }

    private void decide(Context ctx, Principal p, String state) {
        long id = QueryParams.pathLong(ctx, "gatewayId", 1);
        int opcode = state.equals("APPROVED")
                ? MailboxOpcodes.MONITOR_APPROVE_GATEWAY
                : MailboxOpcodes.MONITOR_REVOKE_GATEWAY;
        Reply reply =
                monitor.call(opcode, ByteBuffer.allocate(Long.BYTES).putLong(id).array());
        if (reply.status() == MailboxOpcodes.BAD_GATEWAY_ID) {
            throw ApiProblem.invalid("gatewayId", "range", "the monitor refused gateway id " + id);
        }
        if (reply.status() != 0) {
            throw monitorRefused(reply, "the monitor could not " + state.toLowerCase(Locale.ROOT) + " gateway " + id);
        }
        JsonNode record = calls.db(
                "gateway.upsert", p.actor(), calls.args().put("gatewayId", id).put("state", state));
        calls.db(
                "audit.append",
                p.actor(),
                calls.args()
                        .put("action", "gateway." + state.toLowerCase(Locale.ROOT))
                        .put("target", "gateway:" + id)
                        .set("detail", calls.args().put("at", "monitor")));
        bodies.send(ctx, record);
    }

    /**
     * Has the monitor poll one gateway at its next step (MONITOR_POLL_GATEWAY): its report reaches the services and the
     * live views like any other, within a second, instead of at the next sweep. Audited: it is an operator's action on
     * a gateway, though it changes nothing there.
     */
    private void poll(Context ctx, Principal p) {
        long id = QueryParams.pathLong(ctx, "gatewayId", 1);
        Reply reply = monitor.call(
                MailboxOpcodes.MONITOR_POLL_GATEWAY,
                ByteBuffer.allocate(Long.BYTES).putLong(id).array());
        if (reply.status() == MailboxOpcodes.GATEWAY_NOT_IN_SESSION) {
            throw ApiProblem.of(
                    404,
                    "gateway-not-in-session",
                    "Gateway not in session",
                    "gateway " + id + " is unknown, not approved or not connected: there is nobody to poll");
        }
        if (reply.status() == MailboxOpcodes.BAD_GATEWAY_ID) {
            throw ApiProblem.invalid("gatewayId", "range", "the monitor refused gateway id " + id);
        }
        if (reply.status() != 0) {
            throw monitorRefused(reply, "the monitor could not poll gateway " + id);
        }
        calls.db(
                "audit.append",
                p.actor(),
                calls.args().put("action", "gateway.poll").put("target", "gateway:" + id));
        bodies.send(
                ctx, calls.args().put("gatewayId", id).put("requested", true).put("at", clock.epochMillis()));
    }

    /**
     * Binds or unbinds a shared volume name for a gateway at the monitor, which keeps it in its registry and closes the
     * gateway's session so that it registers again under the new binding, then records it in the audit log.
     */
    private void sharedVolume(Context ctx, Principal p, boolean bind) {
        long id = QueryParams.pathLong(ctx, "gatewayId", 1);
        String name = JsonBodies.requiredText(bodies.object(ctx), "name", VolumeDescriptor.MAX_NAME_LENGTH);
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > VolumeDescriptor.MAX_NAME_LENGTH) {
            throw ApiProblem.invalid(
                    "name",
                    "max-length",
                    "name is longer than " + VolumeDescriptor.MAX_NAME_LENGTH + " bytes of UTF-8");
        }
        Reply reply = monitor.call(
                bind ? MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME : MailboxOpcodes.MONITOR_UNBIND_SHARED_VOLUME,
                ByteBuffer.allocate(Long.BYTES + utf8.length)
                        .putLong(id)
                        .put(utf8)
                        .array());
        if (reply.status() == MailboxOpcodes.BAD_GATEWAY_ID) {
            throw ApiProblem.invalid("gatewayId", "range", "the monitor refused gateway id " + id);
        }
        if (reply.status() == MailboxOpcodes.BAD_VOLUME_NAME) {
            throw ApiProblem.invalid("name", "format", "the monitor refused the volume name");
        }
        String what = bind ? "bind" : "unbind";
        if (reply.status() != 0) {
            throw monitorRefused(
                    reply, "the monitor could not " + what + " shared volume " + name + " for gateway " + id);
        }
        calls.db(
                "audit.append",
                p.actor(),
                calls.args()
                        .put("action", "gateway.shared-volume." + what)
                        .put("target", "gateway:" + id)
                        .set("detail", calls.args().put("name", name).put("at", "monitor")));
        bodies.send(ctx, calls.args().put("gatewayId", id).put("name", name).put("bound", bind));
    }

    /**
     * A change the monitor did not make. REGISTRY_UNAVAILABLE is its registry's database out of reach; CALLEE_FAILED is
     * its registry failing to reach the disk (the change is not made, so a restart cannot undo it): its own words,
     * which name files, go to the log under the problem's correlation id, and the client learns the kind from the type.
     */
    private static ApiProblem monitorRefused(Reply reply, String what) {
        if (reply.status() == MailboxOpcodes.REGISTRY_UNAVAILABLE) {
            // The registry lives in the database and the database is away: nothing changed, try again later.
            String why = reply.result() == null || reply.result().length == 0
                    ? "no reason given"
                    : new String(reply.result(), StandardCharsets.UTF_8);
            return ApiProblem.of(
                    503,
                    "registry-unavailable",
                    "The gateway registry's database cannot be reached",
                    what + ": the change is not on record (" + why + ")");
        }
        if (reply.status() == MailboxStatus.CALLEE_FAILED) {
            String why = reply.result() == null || reply.result().length == 0
                    ? "no reason given"
                    : new String(reply.result(), StandardCharsets.UTF_8);
            return ApiProblem.of(
                    503,
                    "registry-not-saved",
                    "The monitor could not save its gateway registry",
                    what + ": its registry was not saved (" + why + ")");
        }
        return ApiProblem.unavailable(what + " (" + reply.statusName() + ")");
    }

    /**
     * The token goes to the monitor as its SHA-256 (the monitor keeps it across restarts and admits one gateway with
     * it); the database keeps who issued it, under the same hash. The token itself is only in this answer.
     */
    private void issueToken(Context ctx, Principal p) {
        ObjectNode body = bodies.object(ctx);
        String note = body.has("note") ? JsonBodies.requiredText(body, "note", 200) : "";
        String token = Secrets.newToken("enroll_");
        String hash = Secrets.sha256Hex(token);
        Reply reply = monitor.call(
                MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, HexFormat.of().parseHex(hash));
        if (reply.status() != 0) {
            throw monitorRefused(reply, "the monitor did not take the enrollment token");
        }
        ObjectNode record = calls.args().put("issuedBy", p.actor()).put("note", note);
        calls.db(
                "setting.put",
                p.actor(),
                calls.args().put("key", ENROLLMENT_SETTING_PREFIX + hash).put("value", bodies.text(record)));
        calls.db(
                "audit.append",
                p.actor(),
                calls.args()
                        .put("action", "gateway.enrollment-token.issue")
                        .put("target", "enrollment-token:" + hash.substring(0, 12))
                        .set("detail", calls.args().put("note", note)));
        bodies.send(
                ctx,
                201,
                calls.args()
                        .put("token", token)
                        .put("sha256", hash)
                        .put(
                                "use",
                                "give it to the gateway (--enrollment-token-file, or monitor.enrollment-token in its configuration); "
                                        + "it admits one gateway and is shown only once"));
    }
}
