package io.sluice.web.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.0 document, written from the route table so it cannot miss a route: each operation's path and
 * documented query parameters, the role it needs, its request and result schemas ({@link ApiSchemas}; any JSON object
 * where a route names none, which OpenApiCompletenessTest does not let a route do), and the problem responses every
 * route may give. The shapes are those of JSON-CALLS.md, which the document cites.
 */
public final class OpenApiDocument {
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    private OpenApiDocument() {}

    public static ObjectNode build(ObjectMapper json, Routes routes) {
        ObjectNode doc = json.createObjectNode();
        // 3.0.3, not 3.1: the document needs nothing 3.1 adds, and client generators (openapi-generator 6.x
        // among them) support 3.0 fully but 3.1 only in part.
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Sluice application server API");
        info.put("version", "0.1.0");
        info.put(
                "description",
                "SLAs, policies, groups, gateways, live statistics, history, compliance, alerts, "
                        + "forecasts and health. Result shapes follow sluice-protocol/JSON-CALLS.md. Errors are RFC 9457 "
                        + "problem details with field and rule when one field broke one rule. Changes made with a session "
                        + "cookie need the X-CSRF-Token header from GET /api/session.");
        ObjectNode paths = doc.putObject("paths");
        for (Route r : routes.all()) {
            ObjectNode path = paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path());
            ObjectNode op = path.putObject(r.method().name().toLowerCase(Locale.ROOT));
            op.put("operationId", operationId(r));
            op.put("summary", r.summary());
            op.putArray("tags").add(r.tag());
            op.put("x-sluice-role", r.role() == null ? "public" : r.role().name());
            if (r.changesState()) {
                // A standby server refuses changes with 503 urn:sluice:problem:standby, naming the active
                // (StandbyGate).
                op.put("x-sluice-on-standby", r.onStandby() ? "served" : "refused");
            }
            ArrayNode params = op.putArray("parameters");
            Matcher m = PATH_PARAM.matcher(r.path());
            while (m.find()) {
                ObjectNode p = params.addObject();
                p.put("name", m.group(1));
                p.put("in", "path");
                p.put("required", true);
                p.putObject("schema").put("type", "string");
            }
            r.query().forEach((name, description) -> {
                ObjectNode p = params.addObject();
                p.put("name", name);
                p.put("in", "query");
                p.put("description", description);
                p.putObject("schema").put("type", "string");
            });
            if (r.method().name().equals("PUT") || r.method().name().equals("DELETE")) {
                if (r.path().contains("{name}")
                        && !r.path().startsWith("/api/tokens")
                        && !r.path().startsWith("/api/users")) {
                    ObjectNode p = params.addObject();
                    p.put("name", "If-Match");
                    p.put("in", "header");
                    p.put("description", "the version being replaced, as in the ETag (or expectedVersion in the body)");
                    p.putObject("schema").put("type", "string");
                }
            }
            if (r.body() == Route.Body.JSON) {
                ObjectNode body = op.putObject("requestBody");
                body.put("required", true);
                schema(body.putObject("content").putObject("application/json"), r.requestSchema());
            }
            if (r.role() == null) {
                op.putArray("security").addObject();
            }
            ObjectNode responses = op.putObject("responses");
            if (r.key().equals("DELETE /api/session")) {
                responses.putObject("204").put("description", "signed out");
            } else {
                ObjectNode ok = responses.putObject("200").put("description", "the result (201 on creation)");
                result(ok.putObject("content"), r);
            }
            responses
                    .putObject("default")
                    .put("description", "a problem")
                    .putObject("content")
                    .putObject("application/problem+json")
                    .putObject("schema")
                    .put("$ref", "#/components/schemas/" + ApiSchemas.PROBLEM);
        }
        ObjectNode components = doc.putObject("components");
        components.set("schemas", ApiSchemas.all(json));
        ObjectNode schemes = components.putObject("securitySchemes");
        schemes.putObject("session").put("type", "apiKey").put("in", "cookie").put("name", "sluice_session");
        schemes.putObject("token").put("type", "http").put("scheme", "bearer");
        ArrayNode security = doc.putArray("security");
        security.addObject().putArray("session");
        security.addObject().putArray("token");
        return doc;
    }

    /**
     * What a route answers: the Prometheus text, the event stream, CSV or JSON for the report, else JSON of the route's
     * named schema. A response with no content would give generated clients nothing to return.
     */
    private static void result(ObjectNode content, Route r) {
        switch (r.path()) {
            case "/metrics" ->
                content.putObject("text/plain").putObject("schema").put("type", "string");
            case "/api/live/stream" ->
                content.putObject("text/event-stream").putObject("schema").put("type", "string");
            case "/api/compliance/report" -> {
                schema(content.putObject("application/json"), r.responseSchema());
                content.putObject("text/csv").putObject("schema").put("type", "string");
            }
            default -> schema(content.putObject("application/json"), r.responseSchema());
        }
    }

    /** The named schema, or any JSON object when the route names none. */
    private static void schema(ObjectNode mediaType, String name) {
        ObjectNode schema = mediaType.putObject("schema");
        if (name == null) {
            schema.put("type", "object").put("additionalProperties", true);
        } else {
            schema.put("$ref", "#/components/schemas/" + name);
        }
    }

    private static String operationId(Route r) {
        StringBuilder id = new StringBuilder(r.method().name().toLowerCase(Locale.ROOT));
        for (String part : r.path().split("[/{}.-]+")) {
            if (!part.isEmpty() && !part.equals("api")) {
                id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return id.toString();
    }
}
