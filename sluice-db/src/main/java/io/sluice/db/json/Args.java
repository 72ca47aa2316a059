package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/** Typed access to a request's arguments; a missing or mistyped field is an INVALID problem naming it. */
public final class Args {
    private final ObjectNode request;

    public Args(ObjectNode request) {
        this.request = request;
    }

    public ObjectNode node() {
        return request;
    }

    public boolean has(String field) {
        JsonNode value = request.get(field);
        return value != null && !value.isNull();
    }

    public String string(String field) {
        JsonNode value = required(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw DbProblem.invalid(field, "non-empty-string", field + " must be a non-empty string");
        }
        return value.asText();
    }

    public String optString(String field, String otherwise) {
        return has(field) ? string(field) : otherwise;
    }

    public String oneOf(String field, Set<String> allowed) {
        String value = string(field);
        if (!allowed.contains(value)) {
            throw DbProblem.invalid(field, "one-of", field + " must be one of " + allowed + ", was " + value);
        }
        return value;
    }

    public String optOneOf(String field, Set<String> allowed, String otherwise) {
        return has(field) ? oneOf(field, allowed) : otherwise;
    }

    public long longValue(String field) {
        JsonNode value = required(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw DbProblem.invalid(field, "integer", field + " must be an integer");
        }
        return value.asLong();
    }

    public Long optLongOrNull(String field) {
        return has(field) ? longValue(field) : null;
    }

    public int intValue(String field) {
        JsonNode value = required(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw DbProblem.invalid(field, "int", field + " must be a 32-bit integer");
        }
        return value.asInt();
    }

    public boolean bool(String field, boolean otherwise) {
        if (!has(field)) {
            return otherwise;
        }
        JsonNode value = request.get(field);
        if (!value.isBoolean()) {
            throw DbProblem.invalid(field, "boolean", field + " must be true or false");
        }
        return value.asBoolean();
    }

    public Boolean optBool(String field) {
        return has(field) ? bool(field, false) : null;
    }

    public ObjectNode object(String field) {
        JsonNode value = required(field);
        if (!value.isObject()) {
            throw DbProblem.invalid(field, "object", field + " must be an object");
        }
        return (ObjectNode) value;
    }

    public ObjectNode optObject(String field) {
        return has(field) ? object(field) : null;
    }

    public JsonNode array(String field) {
        JsonNode value = required(field);
        if (!value.isArray()) {
            throw DbProblem.invalid(field, "array", field + " must be an array");
        }
        return value;
    }

    /** The page size: {@code limit} if given (1..max), else the default. */
    public int limit(int defaultLimit, int max) {
        if (!has("limit")) {
            return defaultLimit;
        }
        int limit = intValue("limit");
        if (limit < 1 || limit > max) {
            throw DbProblem.invalid("limit", "range", "limit must be 1.." + max);
        }
        return limit;
    }

    /** The opaque cursor of a listing: a decimal position this manager handed out as {@code next}. */
    public Long cursor() {
        if (!has("after")) {
            return null;
        }
        JsonNode value = request.get("after");
        try {
            return Long.parseLong(value.asText());
        } catch (NumberFormatException e) {
            throw DbProblem.invalid("after", "cursor", "after must be a cursor returned as next");
        }
    }

    private JsonNode required(String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            throw DbProblem.invalid(field, "required", field + " is required");
        }
        return value;
    }
}
