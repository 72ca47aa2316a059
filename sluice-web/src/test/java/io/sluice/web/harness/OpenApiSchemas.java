package io.sluice.web.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The schemas of a served OpenAPI 3.0 document, and a check of JSON values against them: the parts of the schema
 * language the document uses ({@code $ref}, {@code type} with {@code nullable}, {@code format} int32/int64,
 * {@code properties}, {@code required}, {@code items}, {@code enum}, schema-valued {@code additionalProperties}). Tests
 * use it to walk the document and to hold real answers to it.
 */
public final class OpenApiSchemas {
    private static final String REF = "#/components/schemas/";

    private final JsonNode document;

    public OpenApiSchemas(JsonNode document) {
        this.document = document;
    }

    public JsonNode document() {
        return document;
    }

    /** The schema itself, or the one its {@code $ref} names; an unknown reference is an error. */
    public JsonNode resolve(JsonNode schema) {
        JsonNode at = schema;
        while (at != null && at.has("$ref")) {
            String ref = at.get("$ref").asText();
            if (!ref.startsWith(REF)
                    || !document.path("components").path("schemas").has(ref.substring(REF.length()))) {
                throw new IllegalArgumentException("unresolvable $ref " + ref);
            }
            at = document.path("components").path("schemas").get(ref.substring(REF.length()));
        }
        return at;
    }

    /** The application/json schema of the operation's answer with {@code status} ("200", "default"), or null. */
    public JsonNode jsonResponse(String method, String path, String status) {
        JsonNode schema = document.path("paths")
                .path(path)
                .path(method.toLowerCase(Locale.ROOT))
                .path("responses")
                .path(status)
                .path("content")
                .path("application/json")
                .path("schema");
        return schema.isMissingNode() ? null : schema;
    }

    /** Whether the schema (through its reference) is an object schema naming its properties. */
    public boolean hasProperties(JsonNode schema) {
        JsonNode resolved = resolve(schema);
        return resolved != null
                && "object".equals(resolved.path("type").asText())
                && resolved.path("properties").size() > 0;
    }

    /**
     * What is wrong with {@code value} against {@code schema}, each with the JSON path it was found at; empty when
     * nothing.
     */
    public List<String> violations(JsonNode schema, JsonNode value) {
        List<String> found = new ArrayList<>();
        check(schema, value, "$", found);
        return found;
    }

    private void check(JsonNode schema, JsonNode value, String where, List<String> found) {
        JsonNode s = resolve(schema);
        if (s == null || s.isEmpty()) {
            return;
        }
        if (value.isNull()) {
            // A property with no type (one the document leaves open) may be null too.
            if (s.has("type") && !s.path("nullable").asBoolean(false)) {
                found.add(where + ": null where " + s.get("type").asText() + " is not nullable");
            }
            return;
        }
        String type = s.path("type").asText("");
        switch (type) {
            case "object" -> object(s, value, where, found);
            case "array" -> {
                if (!value.isArray()) {
                    found.add(where + ": " + kind(value) + " where an array belongs");
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(s.path("items"), value.get(i), where + "[" + i + "]", found);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    found.add(where + ": " + kind(value) + " where a string belongs");
                } else if (s.has("enum") && !contains(s.get("enum"), value.asText())) {
                    found.add(where + ": " + value + " is not one of " + s.get("enum"));
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    found.add(where + ": " + kind(value) + " " + value + " where an integer belongs");
                } else if ("int32".equals(s.path("format").asText()) && !value.canConvertToInt()) {
                    found.add(where + ": " + value + " does not fit int32");
                } else if (!value.canConvertToLong()) {
                    found.add(where + ": " + value + " does not fit int64");
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    found.add(where + ": " + kind(value) + " where a number belongs");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    found.add(where + ": " + kind(value) + " where a boolean belongs");
                }
            }
            case "" -> {}
            default -> found.add(where + ": the schema has an unknown type " + type);
        }
    }

    private void object(JsonNode s, JsonNode value, String where, List<String> found) {
        if (!value.isObject()) {
            found.add(where + ": " + kind(value) + " where an object belongs");
            return;
        }
        for (JsonNode required : s.path("required")) {
            if (!value.has(required.asText())) {
                found.add(where + ": no " + required.asText() + ", which is required");
            }
        }
        JsonNode properties = s.path("properties");
        JsonNode additional = s.path("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), where + "." + field.getKey(), found);
            } else if (additional.isObject()) {
                check(additional, field.getValue(), where + "." + field.getKey(), found);
            } else if (additional.isBoolean() && !additional.asBoolean()) {
                found.add(where + ": " + field.getKey() + " is not a property the schema allows");
            }
        }
    }

    private static boolean contains(JsonNode values, String text) {
        for (JsonNode v : values) {
            if (v.asText().equals(text)) {
                return true;
            }
        }
        return false;
    }

    private static String kind(JsonNode value) {
        return value.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
