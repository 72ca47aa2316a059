package io.sluice.web.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Small writers of OpenAPI 3.0 schema nodes, shared by the classes that describe the API's shapes. Every object admits
 * more properties, so a client generated from the document accepts fields a newer server adds.
 */
final class SchemaNodes {
    private SchemaNodes() {}

    /** Makes {@code node} an object schema and returns its properties. */
    static ObjectNode object(ObjectNode node) {
        node.put("type", "object").put("additionalProperties", true);
        return node.putObject("properties");
    }

    /** A new object schema {@code name} in {@code schemas}; returns its properties. */
    static ObjectNode named(ObjectNode schemas, String name, String description) {
        ObjectNode schema = schemas.putObject(name);
        if (description != null) {
            schema.put("description", description);
        }
        return object(schema);
    }

    static ObjectNode long64(ObjectNode node) {
        return node.put("type", "integer").put("format", "int64");
    }

    static ObjectNode int32(ObjectNode node) {
        return node.put("type", "integer").put("format", "int32");
    }

    static ObjectNode number(ObjectNode node) {
        return node.put("type", "number").put("format", "double");
    }

    static ObjectNode string(ObjectNode node) {
        return node.put("type", "string");
    }

    static ObjectNode bool(ObjectNode node) {
        return node.put("type", "boolean");
    }

    /** The value may also be JSON null (OpenAPI 3.0's {@code nullable}). */
    static ObjectNode nullable(ObjectNode node) {
        return node.put("nullable", true);
    }

    static ObjectNode ref(ObjectNode node, String schema) {
        return node.put("$ref", "#/components/schemas/" + schema);
    }

    /** An array of the named schema's objects. */
    static ObjectNode arrayOf(ObjectNode node, String schema) {
        node.put("type", "array");
        ref(node.putObject("items"), schema);
        return node;
    }

    static ObjectNode enumOf(ObjectNode node, String... values) {
        node.put("type", "string");
        for (String v : values) {
            node.withArray("enum").add(v);
        }
        return node;
    }

    /** Marks the properties {@code names} of {@code schema} required. */
    static void required(JsonNode schema, String... names) {
        for (String n : names) {
            ((ObjectNode) schema).withArray("required").add(n);
        }
    }
}
