package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.ComplianceRepository;
import io.sluice.db.store.ComplianceResult;
import io.sluice.db.store.ComplianceTally;
import io.sluice.db.store.Database;
import io.sluice.db.store.DocRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code compliance.append} and {@code compliance.report}: verdicts and their tallies against each SLA's target. */
final class ComplianceOps extends OpGroup {
    static final Set<String> DIMENSIONS = Set.of("LIMIT", "RESERVATION", "LATENCY");
    static final Set<String> VERDICTS = Set.of("MET", "MISSED", "NOT_APPLICABLE");
    static final Set<String> SCOPE_KINDS = Set.of("VOLUME", "TENANT", "HOST", "POOL");
    /** The compliance target of an SLA whose spec names none. */
    static final double DEFAULT_TARGET_PERCENT = 99.0;

    private final ComplianceRepository compliance = new ComplianceRepository();
    private final DocRepository docs = new DocRepository();

    ComplianceOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("compliance.append", (a, actor) -> appendCompliance(a));
        ops.put("compliance.report", (a, actor) -> report(a));
    }

    private JsonNode appendCompliance(Args a) throws SQLException {
        JsonNode list = a.array("results");
        List<ComplianceResult> results = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                throw DbProblem.invalid("results[" + i + "]", "object", "each result must be an object");
            }
            Args r = new Args((ObjectNode) item);
            ObjectNode scope = r.object("scope");
            Args s = new Args(scope);
            long intervalMillis = r.longValue("intervalMillis");
            if (intervalMillis <= 0) {
                throw DbProblem.invalid(
                        "results[" + i + "].intervalMillis", "positive", "intervalMillis must be positive");
            }
            results.add(new ComplianceResult(
                    r.string("sla"),
                    s.oneOf("kind", SCOPE_KINDS),
                    scopeId(scope),
                    r.longValue("intervalStart"),
                    intervalMillis,
                    r.oneOf("dimension", DIMENSIONS),
                    r.oneOf("verdict", VERDICTS)));
        }
        int stored = tx(c -> compliance.append(c, results));
        return mapper.createObjectNode().put("stored", stored);
    }

    private static String scopeId(ObjectNode scope) {
        JsonNode id = scope.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
            throw DbProblem.invalid("scope.id", "required", "scope.id must be a string or an integer");
        }
        return id.asText();
    }

    private JsonNode report(Args a) throws SQLException {
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        a.optOneOf("format", Set.of("json"), "json");
        String sla = a.optString("sla", null);
        String tenant = a.optString("tenant", null);
        Map<String, Double> targets = new HashMap<>();
        List<ComplianceTally> tallies = tx(c -> {
            List<ComplianceTally> found = compliance.report(c, from, to, sla, tenant);
            for (ComplianceTally t : found) {
                if (!targets.containsKey(t.sla())) {
                    targets.put(
                            t.sla(),
                            docs.get(c, "sla", t.sla())
                                    .map(d -> targetPercent(d.spec()))
                                    .orElse(DEFAULT_TARGET_PERCENT));
                }
            }
            return found;
        });
        ObjectNode result = mapper.createObjectNode();
        result.put("from", from);
        result.put("to", to);
        ArrayNode items = result.putArray("items");
        for (ComplianceTally t : tallies) {
            double target = targets.get(t.sla());
            ObjectNode item = items.addObject();
            item.put("sla", t.sla());
            item.putObject("scope").put("kind", t.scopeKind()).put("id", t.scopeId());
            item.put("dimension", t.dimension());
            item.put("intervals", t.intervals());
            item.put("met", t.met());
            item.put("missed", t.missed());
            item.put("metPercent", t.metPercent());
            item.put("targetPercent", target);
            item.put("compliant", t.metPercent() >= target);
        }
        return result;
    }

    private double targetPercent(String spec) {
        JsonNode target = parse(spec).path("compliance").path("targetPercent");
        return target.isNumber() ? target.asDouble() : DEFAULT_TARGET_PERCENT;
    }
}
