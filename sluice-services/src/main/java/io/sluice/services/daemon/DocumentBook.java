package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.services.control.PolicyRule;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.services.sla.SlaError;
import io.sluice.services.sla.SlaRejectedException;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The versioned SLA, policy and group documents the services hold ({@code sla.validate}, {@code sla.apply},
 * {@code policy.apply}, {@code group.apply}), applied to the policy book, the policy rules and the inventory. Documents
 * carry the database manager's version; one no newer than the version held is ignored, so replays (the startup load
 * racing an edit, a retried call) are harmless. An applied edit takes effect at the analyzer's next interval. A broken
 * rule is a {@link CallProblem} naming the spec's field.
 *
 * <p>Not thread-safe: the services' loop thread.
 */
final class DocumentBook {
    private static final Set<String> POLICY_FIELDS =
            Set.of("name", "kind", "window", "appliesTo", "iopsLimitFactor", "sla", "after", "actions");
    private static final Set<String> GROUP_FIELDS = Set.of("name", "kind", "members");

    private final ServicesState state;
    private final ObjectMapper json;
    private final Map<String, Long> slaVersions = new HashMap<>();
    private final Map<String, Scope> slaScopes = new HashMap<>();
    private final Map<String, Sla> slas = new HashMap<>();
    private final Map<String, Long> policyVersions = new HashMap<>();
    private final Map<String, Long> groupVersions = new HashMap<>();
    private final Map<String, Scope> groupScopes = new HashMap<>();

    DocumentBook(ServicesState state, ObjectMapper json) {
        this.state = state;
        this.json = json;
    }

    /** {@code sla.validate}: the rules of applying (admission control included), without applying. */
    JsonNode validate(JsonNode call) {
        SlaSpecCodec.Parsed parsed = resolved(SlaSpecCodec.read(call.get("spec"), 0));
        Scope scope = parsed.scope() != null
                ? parsed.scope()
                : Scope.tenant("validation:" + parsed.sla().name());
        List<SlaError> errors = state.book().check(scope, parsed.sla());
        if (!errors.isEmpty()) {
            throw rejected(errors);
        }
        ObjectNode answer = json.createObjectNode().put("valid", true);
        if (parsed.volumeName() != null) {
            // The caller stores the scope with the id, so the SLA finds its volume after a restart too.
            answer.putObject("scope")
                    .put("kind", Scope.Kind.VOLUME.name())
                    .put("id", parsed.scope().id())
                    .put("name", parsed.volumeName());
        }
        return answer;
    }

    /**
     * The parsed spec with a volume given by name resolved to its id; a name that finds no single volume is refused.
     */
    private SlaSpecCodec.Parsed resolved(SlaSpecCodec.Parsed parsed) {
        if (parsed.volumeName() == null) {
            return parsed;
        }
        int id = state.gateways().volumeIdByName(parsed.volumeName());
        if (id == DiscoveredGateways.UNKNOWN) {
            throw CallProblem.invalid(
                    "scope.name",
                    "unknown-volume",
                    "no volume is called '" + parsed.volumeName()
                            + "' (a volume is known by name once its gateway has connected; or give its id)");
        }
        if (id == DiscoveredGateways.AMBIGUOUS) {
            throw CallProblem.invalid(
                    "scope.name",
                    "ambiguous-volume",
                    "more than one volume is called '" + parsed.volumeName()
                            + "' (two gateways of one name); give the volume's id");
        }
        return new SlaSpecCodec.Parsed(parsed.sla(), Scope.volume(id), parsed.volumeName());
    }

    /** The {@code doc} of an apply call, with the name and version every document needs. */
    static JsonNode document(JsonNode call) {
        JsonNode doc = call.get("doc");
        if (doc == null || !doc.isObject()) {
            throw CallProblem.invalid("doc", "object", "the call needs a doc object");
        }
        JsonNode name = doc.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw CallProblem.invalid("doc.name", "required", "a document needs a name");
        }
        JsonNode version = doc.get("version");
        if (version == null || !version.isIntegralNumber() || version.asLong() < 1) {
            throw CallProblem.invalid("doc.version", "positive-integer", "a document needs a version >= 1");
        }
        return doc;
    }

    /** Applies an SLA document; also how the SLAs loaded from the database manager at start arrive. */
    JsonNode applySla(JsonNode doc) {
        return applyVersioned(doc, slaVersions, this::changeSla);
    }

    private void changeSla(String name, long version, JsonNode doc) {
        if (doc.path("deleted").asBoolean(false)) {
            Scope scope = slaScopes.remove(name);
            if (scope != null) {
                detachIfHeld(scope, name);
            }
            slas.remove(name);
        } else {
            SlaSpecCodec.Parsed parsed = resolved(SlaSpecCodec.read(doc.get("spec"), version));
            if (!parsed.sla().name().equals(name)) {
                throw CallProblem.invalid(
                        "spec.name",
                        "matches-doc",
                        "the spec names '" + parsed.sla().name() + "', the document '" + name + "'");
            }
            Scope previous = slaScopes.get(name);
            if (parsed.scope() != null) {
                Sla displaced = state.book().attached(parsed.scope());
                try {
                    state.book().attach(parsed.scope(), parsed.sla());
                } catch (SlaRejectedException e) {
                    throw rejected(e.errors());
                }
                if (displaced != null && !displaced.name().equals(name)) {
                    // One SLA per scope: the one attached there before is attached nowhere now.
                    slaScopes.remove(displaced.name());
                }
                slaScopes.put(name, parsed.scope());
            } else {
                slaScopes.remove(name);
            }
            if (previous != null && !previous.equals(parsed.scope())) {
                detachIfHeld(previous, name);
            }
            slas.put(name, parsed.sla());
        }
    }

    /** Detaches what is attached to {@code scope} only if it is still the SLA {@code name}. */
    private void detachIfHeld(Scope scope, String name) {
        Sla held = state.book().attached(scope);
        if (held != null && held.name().equals(name)) {
            state.book().detach(scope);
        }
    }

    JsonNode applyPolicy(JsonNode doc) {
        return applyVersioned(doc, policyVersions, this::changePolicy);
    }

    private void changePolicy(String name, long version, JsonNode doc) {
        if (doc.path("deleted").asBoolean(false)) {
            state.rules().remove(name, state.clock().epochMillis());
        } else {
            state.rules().put(readPolicy(name, doc.get("spec")));
        }
    }

    JsonNode applyGroup(JsonNode doc) {
        return applyVersioned(doc, groupVersions, this::changeGroup);
    }

    private void changeGroup(String name, long version, JsonNode doc) {
        Scope previous = groupScopes.get(name);
        if (doc.path("deleted").asBoolean(false)) {
            if (previous != null) {
                state.inventory().setMembers(previous, List.of());
                groupScopes.remove(name);
            }
        } else {
            JsonNode spec = doc.get("spec");
            if (spec == null || !spec.isObject()) {
                throw CallProblem.invalid("spec", "object", "the group spec must be a JSON object");
            }
            SlaSpecCodec.rejectUnknown(spec, GROUP_FIELDS, "");
            Scope.Kind kind = SlaSpecCodec.enumValue(spec, "kind", "", Scope.Kind.class);
            if (kind == Scope.Kind.VOLUME) {
                throw CallProblem.invalid("kind", "group-kind", "a group is a TENANT, HOST or POOL");
            }
            JsonNode members = spec.path("members");
            if (!members.isArray()) {
                throw CallProblem.invalid("members", "array", "members must be an array of volume ids");
            }
            List<Integer> ids = new ArrayList<>();
            for (JsonNode member : members) {
                if (!member.isInt()) {
                    throw CallProblem.invalid(
                            "members", "volume-id", "a member is a volume id (an int), was " + member);
                }
                ids.add(member.asInt());
            }
            Scope scope = new Scope(kind, name);
            if (previous != null && !previous.equals(scope)) {
                state.inventory().setMembers(previous, List.of());
            }
            state.inventory().setMembers(scope, ids);
            groupScopes.put(name, scope);
        }
        state.book().membershipChanged();
    }

    private static PolicyRule readPolicy(String name, JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw CallProblem.invalid("spec", "object", "the policy spec must be a JSON object");
        }
        SlaSpecCodec.rejectUnknown(spec, POLICY_FIELDS, "");
        String kind = spec.path("kind").asText("");
        return switch (kind) {
            case "TIME_WINDOW" -> readTimeWindow(name, spec);
            case "ON_VIOLATION" -> readOnViolation(name, spec);
            default ->
                throw CallProblem.invalid(
                        "kind", "one-of", "a policy is TIME_WINDOW or ON_VIOLATION, was '" + kind + "'");
        };
    }

    private static PolicyRule readTimeWindow(String name, JsonNode spec) {
        JsonNode window = spec.path("window");
        if (!window.isObject()) {
            throw CallProblem.invalid("window", "object", "a TIME_WINDOW policy needs a window");
        }
        SlaSpecCodec.rejectUnknown(window, Set.of("days", "start", "end", "zone"), "window.");
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        JsonNode listed = window.path("days");
        if (listed.isMissingNode()) {
            days = EnumSet.allOf(DayOfWeek.class);
        } else if (listed.isArray()) {
            for (JsonNode day : listed) {
                days.add(dayOf(day.asText()));
            }
        } else {
            throw CallProblem.invalid("window.days", "array", "days must be an array like [\"MON\", \"TUE\"]");
        }
        LocalTime start = timeOf(window, "start");
        LocalTime end = timeOf(window, "end");
        ZoneId zone;
        try {
            zone = ZoneId.of(window.path("zone").asText("UTC"));
        } catch (DateTimeException e) {
            throw CallProblem.invalid("window.zone", "time-zone", "not a time zone: " + window.path("zone"));
        }
        JsonNode appliesTo = spec.path("appliesTo");
        if (!appliesTo.isObject()) {
            throw CallProblem.invalid(
                    "appliesTo", "object", "a TIME_WINDOW policy needs appliesTo {\"priority\": ...}");
        }
        PriorityClass priority = SlaSpecCodec.enumValue(appliesTo, "priority", "appliesTo.", PriorityClass.class);
        JsonNode factor = spec.path("iopsLimitFactor");
        if (!factor.isNumber() || !(factor.asDouble() > 0) || Double.isInfinite(factor.asDouble())) {
            throw CallProblem.invalid("iopsLimitFactor", "positive-number", "iopsLimitFactor must be a number > 0");
        }
        return new PolicyRule.TimeWindow(name, days, start, end, zone, priority, factor.asDouble());
    }

    private static PolicyRule readOnViolation(String name, JsonNode spec) {
        JsonNode sla = spec.path("sla");
        if (!sla.isTextual() || sla.asText().isBlank()) {
            throw CallProblem.invalid("sla", "required", "an ON_VIOLATION policy names an SLA");
        }
        int after = spec.path("after").asInt(0);
        JsonNode windowNode = spec.path("window");
        int window = windowNode.isInt() ? windowNode.asInt() : 0;
        if (!spec.path("after").isInt() || after < 1 || after > window) {
            throw CallProblem.invalid("after", "n-of-m", "needs 1 <= after <= window, was " + after + " of " + window);
        }
        boolean throttle = false;
        boolean alert = false;
        for (JsonNode action : spec.path("actions")) {
            switch (action.asText()) {
                case "THROTTLE_LOWER_CLASSES" -> throttle = true;
                case "ALERT" -> alert = true;
                default ->
                    throw CallProblem.invalid(
                            "actions", "one-of", "an action is THROTTLE_LOWER_CLASSES or ALERT, was " + action);
            }
        }
        if (!throttle && !alert) {
            throw CallProblem.invalid("actions", "required", "an ON_VIOLATION policy needs at least one action");
        }
        return new PolicyRule.OnViolation(name, sla.asText(), after, window, throttle, alert);
    }

    private static DayOfWeek dayOf(String day) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().startsWith(day) && day.length() == 3) {
                return d;
            }
        }
        throw CallProblem.invalid("window.days", "day", "not a day: '" + day + "' (MON..SUN)");
    }

    private static LocalTime timeOf(JsonNode window, String field) {
        try {
            return LocalTime.parse(window.path(field).asText(""));
        } catch (DateTimeException e) {
            throw CallProblem.invalid(
                    "window." + field, "time", "window." + field + " must be HH:MM, was " + window.path(field));
        }
    }

    /** What one kind of document changes when a version of it is applied; throws a {@link CallProblem} to refuse it. */
    @FunctionalInterface
    private interface DocChange {
        void apply(String name, long version, JsonNode doc);
    }

    /**
     * Applies {@code doc} through {@code change} unless {@code versions} holds its version or a newer one for its name;
     * the version is held once the change is made.
     */
    private JsonNode applyVersioned(JsonNode doc, Map<String, Long> versions, DocChange change) {
        String name = doc.get("name").asText();
        long version = doc.get("version").asLong();
        Long held = versions.get(name);
        if (held != null && version <= held) {
            return ignored(held);
        }
        change.apply(name, version, doc);
        versions.put(name, version);
        return applied();
    }

    private ObjectNode applied() {
        return json.createObjectNode()
                .put("applied", true)
                .put("effectiveAt", state.analyzer().nextIntervalAt());
    }

    private ObjectNode ignored(long heldVersion) {
        return json.createObjectNode()
                .put("applied", false)
                .put("heldVersion", heldVersion)
                .put("detail", "the services hold this version or a newer one");
    }

    private static CallProblem rejected(List<SlaError> errors) {
        SlaError first = errors.getFirst();
        StringBuilder detail = new StringBuilder();
        for (SlaError error : errors) {
            detail.append(detail.isEmpty() ? "" : "; ")
                    .append(SlaSpecCodec.specField(error))
                    .append(": ")
                    .append(error.rule().description())
                    .append(error.detail().isEmpty() ? "" : " (" + error.detail() + ")");
        }
        return CallProblem.invalid(SlaSpecCodec.specField(first), first.rule().name(), detail.toString());
    }

    /** SLAs held: attached ones (from documents or the bootstrap file) and documents attached nowhere. */
    int slaCount() {
        Set<String> names = new HashSet<>(slas.keySet());
        state.book().attachedAll().values().forEach(sla -> names.add(sla.name()));
        return names.size();
    }
}
