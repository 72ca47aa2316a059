package io.sluice.web.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.web.http.ApiProblem;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * JSON calls (JSON-CALLS.md) to the database manager and the SLA services. A callee's problem becomes an
 * {@link ApiProblem} with the HTTP status the contract assigns to its {@link CallStatus}.
 */
public final class RoleCalls {
    private final ObjectMapper json;
    private final CalleeLink db;
    private final CalleeLink services;

    public RoleCalls(ObjectMapper json, CalleeLink db, CalleeLink services) {
        this.json = json;
        this.db = db;
        this.services = services;
    }

    public ObjectNode args() {
        return json.createObjectNode();
    }

    public JsonNode db(String op, String actor, ObjectNode args) {
        return call(db, MailboxOpcodes.DB_JSON, op, actor, args);
    }

    public JsonNode services(String op, String actor, ObjectNode args) {
        return call(services, MailboxOpcodes.SERVICES_JSON, op, actor, args);
    }

    private JsonNode call(CalleeLink link, int opcode, String op, String actor, ObjectNode args) {
        ObjectNode request = json.createObjectNode();
        request.put("op", op);
        request.put("actor", actor);
        request.setAll(args);
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + op, e);
        }
        Reply reply = link.call(opcode, bytes);
        if (reply.status() == CallStatus.OK) {
            return parse(reply.result(), link, op);
        }
        if (reply.status() < 0) {
            throw mailboxFailure(link, op, reply);
        }
        throw problem(reply.status(), parse(reply.result(), link, op));
    }

    private JsonNode parse(byte[] bytes, CalleeLink link, String op) {
        try {
            return bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        } catch (IOException e) {
            throw ApiProblem.of(
                    502,
                    "bad-callee-reply",
                    "Bad reply",
                    "the " + link.role() + " answered " + op + " with malformed JSON");
        }
    }

    private static ApiProblem mailboxFailure(CalleeLink link, String op, Reply reply) {
        if (reply.status() == MailboxStatus.TOO_LARGE) {
            return ApiProblem.of(413, "too-large", "Too large", op + " does not fit a mailbox slot; ask for less");
        }
        return ApiProblem.unavailable(
                "the " + link.role() + " could not complete " + op + " (" + reply.statusName() + ")");
    }

    static ApiProblem problem(int status, JsonNode body) {
        int http = switch (status) {
            case CallStatus.INVALID -> 422;
            case CallStatus.CONFLICT -> 409;
            case CallStatus.NOT_FOUND -> 404;
            case CallStatus.UNAVAILABLE -> 503;
            case CallStatus.TOO_LARGE -> 413;
            case CallStatus.UNKNOWN_OP -> 400;
            default -> 500;
        };
        Map<String, Object> extensions = new LinkedHashMap<>();
        if (body.hasNonNull("currentVersion")) {
            extensions.put("currentVersion", body.get("currentVersion").asLong());
        }
        return new ApiProblem(
                http,
                CallStatus.name(status),
                text(body, "title", CallStatus.name(status)),
                text(body, "detail", null),
                text(body, "field", null),
                restRule(text(body, "rule", null)),
                extensions);
    }

    /**
     * The SLA services name rules as constants ({@code RESERVATION_WITHIN_LIMIT}); the REST API names every rule, its
     * own and theirs, in kebab case ({@code reservation-within-limit}).
     */
    static String restRule(String rule) {
        return rule == null ? null : rule.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String text(JsonNode body, String name, String otherwise) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? otherwise : n.asText();
    }
}
