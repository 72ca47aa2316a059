package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.OpenApiSchemas;
import io.sluice.web.harness.WebTestBase;
import io.sluice.web.http.Route;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document types every answer: each operation's 2xx JSON response and JSON request body is an object
 * schema with its properties (directly or through a {@code $ref}), text answers say they are strings, only a 204 goes
 * without content, and every reference resolves. Real answers are held to these schemas by OpenApiContractTest in
 * sluice-server.
 */
public class OpenApiCompletenessTest extends WebTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenApiSchemas served() {
        ApiClient.Response r = api.get("/api/openapi.json", Credentials.NONE);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return new OpenApiSchemas(r.json());
    }

    @Test
    void everyRouteOfTheTableIsInTheDocument() {
        JsonNode paths = served().document().path("paths");
        for (Route route : server.routes()) {
            assertThat(paths.path(route.path()).has(route.method().name().toLowerCase(Locale.ROOT)))
                    .as(route.key())
                    .isTrue();
        }
    }

    @Test
    void everyAnswerAndEveryBodyIsTyped() {
        OpenApiSchemas doc = served();
        assertThat(untyped(doc)).isEmpty();
        assertThat(unresolvable(doc, doc.document(), "$")).isEmpty();
    }

    @Test
    void theWalkFindsAnUntypedAnswerAndAnUntypedBody() {
        ObjectNode copy = served().document().deepCopy();
        ((ObjectNode) copy.path("paths")
                        .path("/api/alerts")
                        .path("get")
                        .path("responses")
                        .path("200")
                        .path("content")
                        .path("application/json"))
                .putObject("schema")
                .put("type", "object")
                .put("additionalProperties", true);
        ((ObjectNode) copy.path("paths")
                        .path("/api/tokens")
                        .path("post")
                        .path("requestBody")
                        .path("content")
                        .path("application/json"))
                .putObject("schema")
                .put("type", "object");
        assertThat(untyped(new OpenApiSchemas(copy)))
                .containsExactlyInAnyOrder("GET /api/alerts 200 application/json", "POST /api/tokens request body");
    }

    @Test
    void theCheckerRefusesAnAnswerOfTheWrongShape() throws Exception {
        OpenApiSchemas doc = served();
        JsonNode session = doc.jsonResponse("GET", "/api/session", "200");
        assertThat(doc.violations(session, JSON.readTree("{\"signedIn\": false, \"setupRequired\": true}")))
                .isEmpty();
        assertThat(doc.violations(session, JSON.readTree("{\"signedIn\": \"yes\", \"role\": \"ROOT\"}")))
                .containsExactly(
                        "$.signedIn: string where a boolean belongs",
                        "$.role: \"ROOT\" is not one of [\"ADMIN\",\"OPERATOR\",\"VIEWER\"]");
        assertThat(doc.violations(session, JSON.readTree("{}"))).containsExactly("$: no signedIn, which is required");
        JsonNode alerts = doc.jsonResponse("GET", "/api/alerts", "200");
        assertThat(doc.violations(
                        alerts,
                        JSON.readTree("{\"items\": [{\"id\": 1, \"key\": \"k\", \"state\": \"OPEN\","
                                + " \"clearedAt\": null, \"openedAt\": null}], \"next\": null}")))
                .containsExactly("$.items[0].openedAt: null where integer is not nullable");
    }

    /** Each 2xx answer or request body of the document that names no properties, as "METHOD PATH what". */
    private static List<String> untyped(OpenApiSchemas doc) {
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.document().path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                String at = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                JsonNode body = op.getValue().path("requestBody");
                if (!body.isMissingNode()) {
                    JsonNode schema =
                            body.path("content").path("application/json").path("schema");
                    if (schema.isMissingNode() || !doc.hasProperties(schema)) {
                        found.add(at + " request body");
                    }
                }
                for (Map.Entry<String, JsonNode> response :
                        op.getValue().path("responses").properties()) {
                    if (!response.getKey().startsWith("2")) {
                        continue;
                    }
                    JsonNode content = response.getValue().path("content");
                    if (content.isMissingNode() || content.isEmpty()) {
                        if (!response.getKey().equals("204")) {
                            found.add(at + " " + response.getKey() + " has no content");
                        }
                        continue;
                    }
                    for (Map.Entry<String, JsonNode> media : content.properties()) {
                        JsonNode schema = media.getValue().path("schema");
                        boolean typed = media.getKey().equals("application/json")
                                ? !schema.isMissingNode() && doc.hasProperties(schema)
                                : "string".equals(schema.path("type").asText());
                        if (!typed) {
                            found.add(at + " " + response.getKey() + " " + media.getKey());
                        }
                    }
                }
            }
        }
        return found;
    }

    private static List<String> unresolvable(OpenApiSchemas doc, JsonNode node, String where) {
        List<String> found = new ArrayList<>();
        if (node.has("$ref")) {
            try {
                doc.resolve(node);
            } catch (IllegalArgumentException e) {
                found.add(where + ": " + e.getMessage());
            }
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                found.addAll(unresolvable(doc, field.getValue(), where + "." + field.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                found.addAll(unresolvable(doc, node.get(i), where + "[" + i + "]"));
            }
        }
        return found;
    }
}
