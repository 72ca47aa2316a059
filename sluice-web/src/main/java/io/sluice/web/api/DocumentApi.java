package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.Role;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.ApiSchemas;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.QueryParams;
import io.sluice.web.http.Routes;

/**
 * Versioned documents (SLAs, policies, groups): create, read, update and delete with optimistic versions
 * ({@code If-Match: "3"} or {@code expectedVersion}), and history. A change is validated by the SLA services (SLAs),
 * stored by the database manager, then applied by the SLA services; if the last step fails the stored document stands
 * and the services load it on their next reload, which the answer says.
 */
public final class DocumentApi {
    private final String kind;
    private final String collection;
    private final boolean servicesValidate;
    private final RoleCalls calls;
    private final JsonBodies bodies;

    /** @param kind the JSON-CALLS op prefix ({@code sla}); {@code collection} the URL segment ({@code slas}) */
    public DocumentApi(String kind, String collection, boolean servicesValidate, RoleCalls calls, JsonBodies bodies) {
        this.kind = kind;
        this.collection = collection;
        this.servicesValidate = servicesValidate;
        this.calls = calls;
        this.bodies = bodies;
    }

    public void register(Routes routes) {
        String base = "/api/" + collection;
        String tag = collection;
        routes.get(base, Role.VIEWER, tag, "List " + collection, this::list)
                .schemas(null, ApiSchemas.list(kind))
                .post(base, Role.OPERATOR, tag, "Create a " + kind + " (validated, stored, applied)", this::create)
                .schemas(ApiSchemas.spec(kind), ApiSchemas.doc(kind))
                .get(base + "/{name}", Role.VIEWER, tag, "Read a " + kind + "; ETag is its version", this::read)
                .schemas(null, ApiSchemas.doc(kind))
                .put(
                        base + "/{name}",
                        Role.OPERATOR,
                        tag,
                        "Replace a " + kind + " (If-Match or expectedVersion required)",
                        this::update)
                .schemas(ApiSchemas.spec(kind), ApiSchemas.doc(kind))
                .delete(
                        base + "/{name}",
                        Role.OPERATOR,
                        tag,
                        "Delete a " + kind + " (If-Match or expectedVersion required)",
                        this::delete)
                .schemas(null, ApiSchemas.doc(kind))
                .get(
                        base + "/{name}/history",
                        Role.VIEWER,
                        tag,
                        "Every version of a " + kind + ", oldest first",
                        this::history)
                .schemas(null, ApiSchemas.list(kind));
        if (servicesValidate) {
            routes.post(
                            base + "/validate",
                            Role.OPERATOR,
                            tag,
                            "Check a " + kind + " spec with the services' rules without storing it",
                            this::validateOnly)
                    .schemas(ApiSchemas.spec(kind), ApiSchemas.SLA_VALIDATION)
                    .onStandby();
        }
    }

    private void list(Context ctx, Principal p) {
        ObjectNode args = calls.args();
        Integer limit = QueryParams.intParam(ctx, "limit", null, 1, 1000);
        if (limit != null) {
            args.put("limit", limit);
        }
        String after = ctx.queryParam("after");
        if (after != null) {
            if (after.length() > 200) {
                throw ApiProblem.invalid("after", "max-length", "after is an opaque cursor from a previous page");
            }
            args.put("after", after);
        }
        if ("true".equals(ctx.queryParam("includeDeleted"))) {
            args.put("includeDeleted", true);
        }
        bodies.send(ctx, calls.db(kind + ".list", p.actor(), args));
    }

    private void read(Context ctx, Principal p) {
        String name = pathName(ctx);
        JsonNode doc = calls.db(kind + ".get", p.actor(), calls.args().put("name", name));
        if (doc.path("deleted").asBoolean()) {
            // The database manager answers with the tombstone; over REST a deleted document is gone.
            throw ApiProblem.notFound("no " + kind + " " + name);
        }
        ctx.header("ETag", "\"" + doc.path("version").asLong() + "\"");
        bodies.send(ctx, doc);
    }

    private void history(Context ctx, Principal p) {
        bodies.send(ctx, calls.db(kind + ".history", p.actor(), calls.args().put("name", pathName(ctx))));
    }

    private void create(Context ctx, Principal p) {
        ObjectNode spec = specOf(bodies.object(ctx));
        String name = JsonBodies.name(spec, "name");
        JsonNode stored;
        try {
            stored = store(p, name, 0, spec);
        } catch (ApiProblem e) {
            // The database manager re-creates a deleted name over its tombstone's version (JSON-CALLS.md);
            // over REST a deleted document is gone, so creating it again is a plain create.
            JsonNode current = e.status() == 409
                    ? calls.db(kind + ".get", p.actor(), calls.args().put("name", name))
                    : null;
            if (current == null || !current.path("deleted").asBoolean()) {
                throw e;
            }
            stored = store(p, name, current.path("version").asLong(), spec);
        }
        ctx.header("Location", "/api/" + collection + "/" + name);
        bodies.send(ctx, 201, stored);
    }

    private void update(Context ctx, Principal p) {
        String name = pathName(ctx);
        ObjectNode body = bodies.object(ctx);
        long expected = expectedVersion(ctx, body);
        ObjectNode spec = specOf(body);
        if (!spec.has("name")) {
            spec.put("name", name);
        } else if (!name.equals(spec.get("name").asText())) {
            throw ApiProblem.invalid(
                    "name",
                    "immutable",
                    "the name in the body must match the URL; create a new " + kind + " to rename");
        }
        bodies.send(ctx, store(p, name, expected, spec));
    }

    private void delete(Context ctx, Principal p) {
        String name = pathName(ctx);
        long expected = expectedVersion(ctx, null);
        JsonNode tombstone = calls.db(
                kind + ".delete", p.actor(), calls.args().put("name", name).put("expectedVersion", expected));
        bodies.send(ctx, withApply(p, tombstone));
    }

    private void validateOnly(Context ctx, Principal p) {
        ObjectNode spec = specOf(bodies.object(ctx));
        JsonBodies.name(spec, "name");
        bodies.send(
                ctx, calls.services(kind + ".validate", p.actor(), calls.args().set("spec", spec)));
    }

    private JsonNode store(Principal p, String name, long expectedVersion, ObjectNode spec) {
        if (servicesValidate) {
            JsonNode valid =
                    calls.services(kind + ".validate", p.actor(), calls.args().set("spec", spec));
            if (valid.has("scope")) {
                // A volume named in the scope, resolved to its id: stored with both.
                spec.set("scope", valid.get("scope"));
            }
        }
        JsonNode doc = calls.db(
                kind + ".put",
                p.actor(),
                calls.args()
                        .put("name", name)
                        .put("expectedVersion", expectedVersion)
                        .set("spec", spec));
        return withApply(p, doc);
    }

    /** The stored document plus what the services said when asked to apply it. */
    private JsonNode withApply(Principal p, JsonNode doc) {
        ObjectNode answer = (ObjectNode) doc.deepCopy();
        ObjectNode apply = calls.args();
        try {
            JsonNode applied =
                    calls.services(kind + ".apply", p.actor(), calls.args().set("doc", doc));
            apply.setAll((ObjectNode) applied);
        } catch (ApiProblem e) {
            apply.put("applied", false)
                    .put("detail", "stored; the SLA services will load it when they reload: " + e.getMessage());
        }
        answer.set("apply", apply);
        return answer;
    }

    /** The spec is the body itself, or its {@code spec} member when the body also carries a version. */
    private static ObjectNode specOf(ObjectNode body) {
        JsonNode spec = body.has("spec") ? body.get("spec") : body;
        if (!spec.isObject()) {
            throw ApiProblem.invalid("spec", "type", "spec must be a JSON object");
        }
        ObjectNode copy = ((ObjectNode) spec).deepCopy();
        copy.remove("expectedVersion");
        return copy;
    }

    private static String pathName(Context ctx) {
        return JsonBodies.checkName("name", ctx.pathParam("name"));
    }

    private long expectedVersion(Context ctx, JsonNode body) {
        String ifMatch = ctx.header("If-Match");
        if (ifMatch != null) {
            String v = ifMatch.trim();
            if (v.startsWith("W/")) {
                v = v.substring(2);
            }
            v = v.replace("\"", "");
            try {
                long version = Long.parseLong(v);
                if (version >= 1) {
                    return version;
                }
            } catch (NumberFormatException e) {
                // falls through to the problem below
            }
            throw ApiProblem.invalid("If-Match", "version", "If-Match must be the version from the ETag, e.g. \"3\"");
        }
        if (body != null && body.has("expectedVersion")) {
            JsonNode v = body.get("expectedVersion");
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
                throw ApiProblem.invalid("expectedVersion", "version", "expectedVersion must be a positive integer");
            }
            return v.asLong();
        }
        throw ApiProblem.of(
                428,
                "precondition-required",
                "Version required",
                "send If-Match with the version you read (or expectedVersion in the body), so a concurrent change is not overwritten");
    }
}
