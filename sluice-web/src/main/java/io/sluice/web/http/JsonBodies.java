package io.sluice.web.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Strict JSON in and out: one object per body, bounded depth and sizes, typed errors for the rest. */
public final class JsonBodies {
    /** Names of SLAs, policies, groups, users and tokens: safe in URLs, file names, logs and CSV. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final ObjectMapper json;

    public JsonBodies() {
        this.json = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .build();
        json.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxStringLength(64 * 1024)
                        .maxNumberLength(40)
                        .build());
    }

    public ObjectMapper mapper() {
        return json;
    }

    /** The request body as a JSON object, or a 415/400 problem saying what is wrong with it. */
    public ObjectNode object(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw ApiProblem.of(
                    415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
        }
        JsonNode node;
        try {
            node = json.readTree(ctx.bodyAsBytes());
        } catch (JsonProcessingException e) {
            throw ApiProblem.badRequest("malformed-json", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiProblem.badRequest("malformed-json", "the body could not be read");
        }
        if (node == null || !node.isObject()) {
            throw ApiProblem.badRequest("malformed-json", "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode response", e);
        }
    }

    public void send(Context ctx, Object body) {
        send(ctx, 200, body);
    }

    public String text(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode", e);
        }
    }

    public static String name(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw ApiProblem.invalid(field, "required", field + " is required");
        }
        if (!n.isTextual()) {
            throw ApiProblem.invalid(field, "type", field + " must be a string");
        }
        return checkName(field, n.asText());
    }

    public static String checkName(String field, String value) {
        if (!NAME.matcher(value).matches()) {
            throw ApiProblem.invalid(
                    field,
                    "pattern",
                    field + " must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return value;
    }

    public static String requiredText(JsonNode body, String field, int maxLength) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || !n.isTextual() || n.asText().isEmpty()) {
            throw ApiProblem.invalid(field, "required", field + " is required and must be a string");
        }
        if (n.asText().length() > maxLength) {
            throw ApiProblem.invalid(field, "max-length", field + " is longer than " + maxLength + " characters");
        }
        return n.asText();
    }
}
