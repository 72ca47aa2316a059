package io.sluice.web.http;

import static io.sluice.web.http.SchemaNodes.enumOf;
import static io.sluice.web.http.SchemaNodes.long64;
import static io.sluice.web.http.SchemaNodes.nullable;
import static io.sluice.web.http.SchemaNodes.object;
import static io.sluice.web.http.SchemaNodes.required;
import static io.sluice.web.http.SchemaNodes.string;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The named JSON schemas of the OpenAPI document ({@code components/schemas}): SLA, policy and group documents,
 * compliance, gateways and the problem every route may answer here, the account, monitoring and operations shapes in
 * {@link AccountSchemas}, {@link MonitoringSchemas} and {@link OperationsSchemas} (the shapes of
 * sluice-protocol/JSON-CALLS.md as the handlers pass them on). Every route names its request and result schemas with
 * {@link Routes#schemas}. Fields the server may send as null say {@code nullable}, and every object admits more
 * properties, so a client generated from the document accepts the fields a newer server adds.
 */
public final class ApiSchemas {
    public static final String PROBLEM = "Problem";
    public static final String COMPLIANCE = "ComplianceNow";
    public static final String GATEWAYS = "GatewayList";
    public static final String GATEWAY = "Gateway";
    public static final String SLA_VALIDATION = "SlaValidation";

    private ApiSchemas() {}

    /** The spec, versioned-document and page schemas of a document kind ({@code sla}: SlaSpec, SlaDoc, SlaList). */
    public static String spec(String kind) {
        return typeName(kind) + "Spec";
    }

    public static String doc(String kind) {
        return typeName(kind) + "Doc";
    }

    public static String list(String kind) {
        return typeName(kind) + "List";
    }

    private static String typeName(String kind) {
        return Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
    }

    /** Every named schema, keyed by name, for {@code components/schemas}. */
    public static ObjectNode all(ObjectMapper json) {
        ObjectNode schemas = json.createObjectNode();
        ObjectNode problem = object(schemas.putObject(PROBLEM));
        for (String s : new String[] {"type", "title", "detail", "instance", "field", "rule"}) {
            problem.putObject(s).put("type", "string");
        }
        problem.putObject("status").put("type", "integer");
        problem.putObject("currentVersion").put("type", "integer").put("format", "int64");

        ObjectNode scope = object(schemas.putObject("Scope"));
        enumOf(scope.putObject("kind"), "VOLUME", "TENANT", "HOST", "POOL");
        scope.putObject("id").put("type", "string").put("description", "volume id, or the group's name");
        scope.putObject("name")
                .put("type", "string")
                .put("description", "a volume's name instead of its id: gateway name/export name");
        required(schemas.get("Scope"), "kind");

        slaSpec(schemas.putObject(spec("sla")));
        ObjectNode policy = object(schemas.putObject(spec("policy")));
        policy.putObject("name").put("type", "string");
        enumOf(policy.putObject("kind"), "TIME_WINDOW", "ON_VIOLATION");
        required(schemas.get(spec("policy")), "name", "kind");
        ObjectNode group = object(schemas.putObject(spec("group")));
        group.putObject("name").put("type", "string");
        enumOf(group.putObject("kind"), "TENANT", "HOST", "POOL");
        group.putObject("members").put("type", "array").putObject("items").put("type", "integer");
        required(schemas.get(spec("group")), "name", "kind");
        for (String kind : new String[] {"sla", "policy", "group"}) {
            versioned(schemas, kind);
        }

        ObjectNode item = object(schemas.putObject("SlaCompliance"));
        item.putObject("sla").put("type", "string");
        item.putObject("scope").put("$ref", "#/components/schemas/Scope");
        enumOf(item.putObject("state"), "MET", "AT_RISK", "VIOLATED");
        for (String s : new String[] {"metPercent1m", "metPercent1h", "metPercent30d"}) {
            item.putObject(s).put("type", "number").put("description", "met share of the judged intervals, percent");
        }
        item.putObject("dimensions")
                .put("type", "object")
                .put("description", "LIMIT, RESERVATION, LATENCY: MET, MISSED or NOT_APPLICABLE")
                .putObject("additionalProperties")
                .put("type", "string");
        required(schemas.get("SlaCompliance"), "sla", "state");
        object(schemas.putObject(COMPLIANCE))
                .putObject("items")
                .put("type", "array")
                .putObject("items")
                .put("$ref", "#/components/schemas/SlaCompliance");
        required(schemas.get(COMPLIANCE), "items");

        ObjectNode gateway = object(schemas.putObject(GATEWAY));
        gateway.putObject("gatewayId").put("type", "integer").put("format", "int64");
        enumOf(gateway.putObject("state"), "APPROVED", "PENDING", "REVOKED", "REJECTED");
        for (String s : new String[] {"name", "address", "keyHash"}) {
            nullable(string(gateway.putObject(s))).put("description", "null when not known");
        }
        nullable(long64(gateway.putObject("lastSeen"))).put("description", "epoch milliseconds, null when never seen");
        long64(gateway.putObject("updatedAt"));
        // A reference cannot be nullable in OpenAPI 3.0: what the services heard from the gateway, as an object.
        nullable(gateway.putObject("live").put("type", "object").put("additionalProperties", true))
                .put(
                        "description",
                        "the SLA services' view (state, since, volumes), null when they have not heard from it");
        required(schemas.get(GATEWAY), "gatewayId", "state");
        ObjectNode gateways = object(schemas.putObject(GATEWAYS));
        gateways.putObject("items")
                .put("type", "array")
                .putObject("items")
                .put("$ref", "#/components/schemas/" + GATEWAY);
        gateways.putObject("liveKnown")
                .put("type", "boolean")
                .put("description", "false while the SLA services do not answer");
        required(schemas.get(GATEWAYS), "items");

        ObjectNode validation = object(schemas.putObject(SLA_VALIDATION)
                .put(
                        "description",
                        "a spec the SLA services accept (a refused one is a 422 problem naming the field)"));
        validation.putObject("valid").put("type", "boolean");
        validation
                .putObject("scope")
                .put("$ref", "#/components/schemas/Scope")
                .put("description", "a volume scope named by its name, resolved to its id");
        required(schemas.get(SLA_VALIDATION), "valid");

        AccountSchemas.add(schemas);
        MonitoringSchemas.add(schemas);
        OperationsSchemas.add(schemas);
        return schemas;
    }

    /** The SLA spec as the SLA services validate it (every field optional except name, 0 = none). */
    private static void slaSpec(ObjectNode node) {
        ObjectNode p = object(node);
        p.putObject("name").put("type", "string").put("pattern", "^[A-Za-z0-9][A-Za-z0-9._-]*$");
        p.putObject("scope").put("$ref", "#/components/schemas/Scope");
        for (String s : new String[] {
            "iopsLimit",
            "readIopsLimit",
            "writeIopsLimit",
            "bandwidthLimit",
            "readBandwidthLimit",
            "writeBandwidthLimit",
            "normalizeBytes",
            "reservedIops",
            "reservedBandwidth",
            "weight"
        }) {
            long64(p.putObject(s));
        }
        enumOf(p.putObject("priority"), "CRITICAL", "STANDARD", "BEST_EFFORT", "BACKGROUND");
        ObjectNode burst = object(p.putObject("burst"));
        long64(burst.putObject("iops"));
        long64(burst.putObject("seconds"));
        ObjectNode latency = object(p.putObject("latency"));
        latency.putObject("percentile").put("type", "number");
        for (String s : new String[] {"readMicros", "writeMicros", "windowIntervals"}) {
            long64(latency.putObject(s));
        }
        ObjectNode scaling = object(p.putObject("capacityScaling"));
        long64(scaling.putObject("iopsPerTb"));
        enumOf(scaling.putObject("basis"), "ALLOCATED", "USED");
        long64(scaling.putObject("minimumIops"));
        ObjectNode compliance = object(p.putObject("compliance"));
        compliance.putObject("targetPercent").put("type", "number");
        long64(compliance.putObject("alertAfter"));
        long64(compliance.putObject("alertWindow"));
        required(node, "name");
    }

    /** {@code XDoc} (a stored version of the spec, with the outcome of applying it on a change) and {@code XList}. */
    private static void versioned(ObjectNode schemas, String kind) {
        ObjectNode doc = object(schemas.putObject(doc(kind)));
        doc.putObject("name").put("type", "string");
        long64(doc.putObject("version"));
        doc.putObject("spec").put("$ref", "#/components/schemas/" + spec(kind));
        doc.putObject("deleted").put("type", "boolean");
        long64(doc.putObject("updatedAt")).put("description", "epoch milliseconds");
        doc.putObject("updatedBy").put("type", "string");
        ObjectNode applySchema =
                doc.putObject("apply").put("description", "on a change: whether the SLA services took it up now");
        ObjectNode apply = object(applySchema);
        apply.putObject("applied").put("type", "boolean");
        apply.putObject("detail").put("type", "string");
        long64(apply.putObject("effectiveAt"))
                .put("description", "when applied: the start of the interval it takes effect in");
        long64(apply.putObject("heldVersion"))
                .put("description", "when not applied: the newer version the services hold");
        required(schemas.get(doc(kind)), "name", "version");
        ObjectNode list = object(schemas.putObject(list(kind)));
        list.putObject("items")
                .put("type", "array")
                .putObject("items")
                .put("$ref", "#/components/schemas/" + doc(kind));
        nullable(string(list.putObject("next")))
                .put("description", "the cursor for the next page (after=), null at the end");
        required(schemas.get(list(kind)), "items");
    }
}
