package io.sluice.web.http;

import static io.sluice.web.http.SchemaNodes.arrayOf;
import static io.sluice.web.http.SchemaNodes.bool;
import static io.sluice.web.http.SchemaNodes.int32;
import static io.sluice.web.http.SchemaNodes.long64;
import static io.sluice.web.http.SchemaNodes.named;
import static io.sluice.web.http.SchemaNodes.nullable;
import static io.sluice.web.http.SchemaNodes.ref;
import static io.sluice.web.http.SchemaNodes.required;
import static io.sluice.web.http.SchemaNodes.string;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an operator runs the installation with: the gateway actions' bodies and answers (GatewayApi), manual throttles
 * (ThrottleApi), the processes' and mailboxes' health (HealthApi), the audit log and the API document itself.
 */
public final class OperationsSchemas {
    public static final String SHARED_VOLUME = "SharedVolumeName";
    public static final String SHARED_BINDING = "SharedVolumeBinding";
    public static final String ENROLLMENT_REQUEST = "EnrollmentTokenRequest";
    public static final String ENROLLMENT_TOKEN = "EnrollmentToken";
    public static final String GATEWAY_POLL = "GatewayPoll";
    public static final String THROTTLE_REQUEST = "ManualThrottleRequest";
    public static final String THROTTLE = "ManualThrottle";
    public static final String THROTTLES = "ManualThrottles";
    public static final String HEALTH = "Health";
    public static final String PAIR = "PairRole";
    public static final String AUDIT = "AuditPage";
    public static final String OPENAPI = "OpenApiDocument";

    private OperationsSchemas() {}

    /** An operator's throttle on a volume: what is asked, what is stored, what is in force. */
    private static void throttles(ObjectNode schemas) {
        ObjectNode request = named(
                schemas,
                THROTTLE_REQUEST,
                "an iopsLimit, a bandwidthLimit or both; an expiry,"
                        + " as expiresAt or durationSeconds (one of them)");
        long64(request.putObject("iopsLimit")).put("minimum", 1).put("maximum", 0xFFFF_FFFFL);
        long64(request.putObject("bandwidthLimit"))
                .put("minimum", 1)
                .put("maximum", 1_000_000_000_000L)
                .put("description", "bytes per second");
        long64(request.putObject("expiresAt")).put("description", "epoch milliseconds, after now, within a week");
        long64(request.putObject("durationSeconds")).put("minimum", 1).put("maximum", 604_800);
        string(request.putObject("reason"))
                .put("maxLength", 200)
                .put("description", "for the audit log and the dashboard");

        ObjectNode throttle = named(schemas, THROTTLE, "in force from setAt until expiresAt, unless ended sooner");
        long64(throttle.putObject("id"));
        int32(throttle.putObject("volumeId"));
        long64(throttle.putObject("iopsLimit")).put("description", "0: none");
        long64(throttle.putObject("bandwidthLimit")).put("description", "bytes per second, 0: none");
        string(throttle.putObject("reason"));
        string(throttle.putObject("setBy")).put("description", "user:LOGIN or token:NAME");
        long64(throttle.putObject("setAt"));
        long64(throttle.putObject("expiresAt"));
        nullable(string(throttle.putObject("endedBy"))).put("description", "who cancelled or replaced it");
        nullable(long64(throttle.putObject("endedAt")));
        bool(throttle.putObject("applied"))
                .put("description", "whether the SLA services took it (else at their start)");
        required(schemas.get(THROTTLE), "id", "volumeId", "iopsLimit", "bandwidthLimit", "setBy", "setAt", "expiresAt");
        ObjectNode list = named(schemas, THROTTLES, "the manual throttles in force");
        arrayOf(list.putObject("items"), THROTTLE);
        required(schemas.get(THROTTLES), "items");
    }

    static void add(ObjectNode schemas) {
        ObjectNode shared = named(schemas, SHARED_VOLUME, "the name a gateway's exports flag shared");
        string(shared.putObject("name")).put("maxLength", 64);
        required(schemas.get(SHARED_VOLUME), "name");
        ObjectNode binding = named(schemas, SHARED_BINDING, null);
        long64(binding.putObject("gatewayId"));
        string(binding.putObject("name"));
        bool(binding.putObject("bound")).put("description", "true after bind, false after unbind");
        required(schemas.get(SHARED_BINDING), "gatewayId", "name", "bound");

        ObjectNode enrollment = named(schemas, ENROLLMENT_REQUEST, null);
        string(enrollment.putObject("note"))
                .put("maxLength", 200)
                .put("description", "for the audit log: whom it is for");
        ObjectNode token = named(schemas, ENROLLMENT_TOKEN, "the token is in this answer only");
        string(token.putObject("token"));
        string(token.putObject("sha256")).put("description", "how the monitor and the audit log know it");
        string(token.putObject("use"));
        required(schemas.get(ENROLLMENT_TOKEN), "token", "sha256");

        ObjectNode poll = named(
                schemas,
                GATEWAY_POLL,
                "the monitor polls the gateway at its next step; the report"
                        + " reaches the live views within a second");
        long64(poll.putObject("gatewayId"));
        bool(poll.putObject("requested"));
        long64(poll.putObject("at")).put("description", "when it was asked, epoch milliseconds");
        required(schemas.get(GATEWAY_POLL), "gatewayId", "requested", "at");

        throttles(schemas);

        ObjectNode process = named(schemas, "ProcessStatus", null);
        bool(process.putObject("up"));
        process.putObject("status")
                .put("type", "object")
                .put("additionalProperties", true)
                .put("description", "what the process says of itself (its status op), when up");
        string(process.putObject("detail")).put("description", "why it is not up");
        required(schemas.get("ProcessStatus"), "up");
        ObjectNode mailbox = named(schemas, "MailboxBacklog", null);
        string(mailbox.putObject("role"));
        string(mailbox.putObject("file"));
        bool(mailbox.putObject("exists"));
        bool(mailbox.putObject("calleeAlive"));
        for (String s : new String[] {"slots", "free", "posted", "taken", "done"}) {
            int32(mailbox.putObject(s));
        }
        required(schemas.get("MailboxBacklog"), "role", "exists");
        ObjectNode health = named(schemas, HEALTH, null);
        ObjectNode processes = SchemaNodes.object(health.putObject("processes"));
        for (String role : new String[] {"web", "db", "services", "monitor"}) {
            ref(processes.putObject(role), "ProcessStatus");
        }
        arrayOf(health.putObject("mailboxes"), "MailboxBacklog");
        required(schemas.get(HEALTH), "processes", "mailboxes");

        ObjectNode pair = named(
                schemas,
                PAIR,
                "a server alone is always acting; in a pair only the active is, and a standby refuses every change "
                        + "with 503 urn:sluice:problem:standby naming the active");
        bool(pair.putObject("inPair"));
        bool(pair.putObject("acting")).put("description", "whether this server takes changes");
        SchemaNodes.enumOf(string(pair.putObject("role")), "alone", "active", "standby");
        string(pair.putObject("self")).put("description", "this server's monitor address, the lease's name for it");
        string(pair.putObject("holder")).put("description", "the lease's holder: the active's monitor address");
        long64(pair.putObject("epoch"));
        nullable(string(pair.putObject("active")))
                .put("description", "the active server's host; null while none is known");
        required(schemas.get(PAIR), "inPair", "acting", "role");

        ObjectNode record = named(schemas, "AuditRecord", null);
        long64(record.putObject("id"));
        long64(record.putObject("at"));
        string(record.putObject("actor")).put("description", "user:LOGIN, token:NAME or system:ROLE");
        string(record.putObject("action"));
        string(record.putObject("target"));
        nullable(record.putObject("detail").put("type", "object").put("additionalProperties", true));
        required(schemas.get("AuditRecord"), "id", "at", "actor", "action");
        ObjectNode audit = named(schemas, AUDIT, "newest first");
        arrayOf(audit.putObject("items"), "AuditRecord");
        nullable(string(audit.putObject("next")));
        required(schemas.get(AUDIT), "items");

        ObjectNode document = named(schemas, OPENAPI, "this document (OpenAPI 3.0)");
        string(document.putObject("openapi"));
        for (String s : new String[] {"info", "paths", "components"}) {
            document.putObject(s).put("type", "object").put("additionalProperties", true);
        }
        required(schemas.get(OPENAPI), "openapi", "info", "paths");
    }
}
