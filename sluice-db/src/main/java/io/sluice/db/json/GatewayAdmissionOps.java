package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.GatewayAdmissionRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code admission.*}: the monitor's gateway registry (approvals, revocations, enrollment tokens, shared-volume
 * bindings), kept here so that any server sharing the database admits the same gateways (docs/design.md, "The gateway
 * registry in the database"). Each op is one transaction; a change is committed before it is answered.
 */
final class GatewayAdmissionOps extends OpGroup {
    static final Set<String> STANDINGS =
            Set.of(GatewayAdmissionRepository.APPROVED, GatewayAdmissionRepository.REVOKED);
    /** Standings per page: two arrays of ids, far below a slot's 256 KiB. */
    static final int STANDING_PAGE = 10_000;
    /** Bindings per page: a name may take 64 characters, each escaped to six in the worst case. */
    static final int BINDING_PAGE = 250;
    /** Entries of one kind in one import call. */
    static final int IMPORT_ITEMS = 1_000;

    private final GatewayAdmissionRepository admission = new GatewayAdmissionRepository();

    GatewayAdmissionOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("admission.standings", this::standings);
        ops.put("admission.bindings", this::bindings);
        ops.put("admission.standing.set", this::setStanding);
        ops.put("admission.binding.set", this::setBinding);
        ops.put("admission.token.add", this::addToken);
        ops.put("admission.token.use", this::useToken);
        ops.put("admission.import", this::importEntries);
    }

    /** {@code after} (a gateway id; 0 or absent: the first page): the ids {@code approved}, {@code revoked}; next. */
    private JsonNode standings(Args a, String actor) throws SQLException {
        long after = a.has("after") ? a.longValue("after") : 0;
        int limit = a.limit(STANDING_PAGE, STANDING_PAGE);
        List<GatewayAdmissionRepository.Standing> page = tx(c -> admission.standings(c, after, limit));
        ObjectNode result = mapper.createObjectNode();
        ArrayNode approved = result.putArray("approved");
        ArrayNode revoked = result.putArray("revoked");
        for (GatewayAdmissionRepository.Standing standing : page) {
            boolean isRevoked = GatewayAdmissionRepository.REVOKED.equals(standing.standing());
            (isRevoked ? revoked : approved).add(standing.gatewayId());
        }
        return putNext(result, page, limit, () -> page.getLast().gatewayId());
    }

    /** {@code after} (an offset, absent: the first page): {@code items} of name, gatewayId, bound; {@code next}. */
    private JsonNode bindings(Args a, String actor) throws SQLException {
        int offset = a.has("after") ? a.intValue("after") : 0;
        int limit = a.limit(BINDING_PAGE, BINDING_PAGE);
        List<GatewayAdmissionRepository.Binding> page = tx(c -> admission.bindings(c, offset, limit));
        ObjectNode result = mapper.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (GatewayAdmissionRepository.Binding binding : page) {
            items.addObject()
                    .put("name", binding.name())
                    .put("gatewayId", binding.gatewayId())
                    .put("bound", binding.bound());
        }
        return putNext(result, page, limit, () -> offset + limit);
    }

    private JsonNode setStanding(Args a, String actor) throws SQLException {
        long gatewayId = gatewayId(a, "gatewayId");
        String standing = a.oneOf("standing", STANDINGS);
        long now = clock.epochMillis();
        return tx(c -> {
            admission.setStanding(c, gatewayId, standing, now);
            audit.append(
                    c,
                    now,
                    actor,
                    "admission.standing.set",
                    "gateway:" + gatewayId,
                    "{\"standing\":\"" + standing + "\"}");
            return mapper.createObjectNode().put("gatewayId", gatewayId).put("standing", standing);
        });
    }

    private JsonNode setBinding(Args a, String actor) throws SQLException {
        long gatewayId = gatewayId(a, "gatewayId");
        String name = name(a.string("name"), "name");
        boolean bound = a.bool("bound", true);
        long now = clock.epochMillis();
        return tx(c -> {
            admission.setBinding(c, name, gatewayId, bound, now);
            audit.append(
                    c,
                    now,
                    actor,
                    "admission.binding.set",
                    "gateway:" + gatewayId,
                    mapper.createObjectNode()
                            .put("name", name)
                            .put("bound", bound)
                            .toString());
            return mapper.createObjectNode()
                    .put("gatewayId", gatewayId)
                    .put("name", name)
                    .put("bound", bound);
        });
    }

    /** {@code added}: false when the token was used before (it is never usable again). */
    private JsonNode addToken(Args a, String actor) throws SQLException {
        String hash = tokenHash(a.string("tokenHash"), "tokenHash");
        long now = clock.epochMillis();
        return tx(c -> {
            boolean added = admission.addToken(c, hash, now);
            if (added) {
                audit.append(c, now, actor, "admission.token.add", "enrollment-token:" + hash.substring(0, 12), "{}");
            }
            return mapper.createObjectNode().put("added", added);
        });
    }

    /** {@code outcome}: USED (the gateway is approved), BAD_TOKEN (unknown or used already) or REVOKED. */
    private JsonNode useToken(Args a, String actor) throws SQLException {
        String hash = tokenHash(a.string("tokenHash"), "tokenHash");
        long gatewayId = gatewayId(a, "gatewayId");
        long now = clock.epochMillis();
        return tx(c -> {
            GatewayAdmissionRepository.TokenUse outcome = admission.useToken(c, hash, gatewayId, now);
            if (outcome == GatewayAdmissionRepository.TokenUse.USED) {
                audit.append(
                        c,
                        now,
                        actor,
                        "admission.token.use",
                        "gateway:" + gatewayId,
                        "{\"token\":\"" + hash.substring(0, 12) + "\"}");
            }
            return mapper.createObjectNode().put("outcome", outcome.name());
        });
    }

    /**
     * Merges a registry file's entries ({@code approved}, {@code revoked}, {@code tokens}, {@code used} as arrays,
     * {@code bound}, {@code unbound} as arrays of {name, gatewayId}; each at most {@value #IMPORT_ITEMS}) into what is
     * on record, so that importing the same file twice, or two files, in any order, ends the same: a revocation, a use
     * and an unbinding win; an approval, an unused token and a binding are added where nothing is on record.
     */
    private JsonNode importEntries(Args a, String actor) throws SQLException {
        List<Long> approved = ids(a, "approved");
        List<Long> revoked = ids(a, "revoked");
        List<String> tokens = hashes(a, "tokens");
        List<String> used = hashes(a, "used");
        List<Object[]> bound = bindingList(a, "bound");
        List<Object[]> unbound = bindingList(a, "unbound");
        long now = clock.epochMillis();
        return tx(c -> {
            for (long id : revoked) {
                admission.setStanding(c, id, GatewayAdmissionRepository.REVOKED, now);
            }
            for (long id : approved) {
                admission.approveIfUnknown(c, id, now);
            }
            for (String hash : used) {
                admission.markUsed(c, hash, now);
            }
            for (String hash : tokens) {
                admission.addToken(c, hash, now);
            }
            for (Object[] binding : unbound) {
                admission.setBinding(c, (String) binding[0], (Long) binding[1], false, now);
            }
            for (Object[] binding : bound) {
                admission.bindIfUnknown(c, (String) binding[0], (Long) binding[1], now);
            }
            int entries =
                    approved.size() + revoked.size() + tokens.size() + used.size() + bound.size() + unbound.size();
            audit.append(c, now, actor, "admission.import", "gateway-registry", "{\"entries\":" + entries + "}");
            return mapper.createObjectNode().put("entries", entries);
        });
    }

    private static List<Long> ids(Args a, String field) {
        List<Long> ids = new ArrayList<>();
        if (a.has(field)) {
            JsonNode list = items(a, field);
            for (int i = 0; i < list.size(); i++) {
                JsonNode id = list.get(i);
                if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() <= 0) {
                    throw DbProblem.invalid(field + "[" + i + "]", "gateway-id", "a gateway id is a positive integer");
                }
                ids.add(id.asLong());
            }
        }
        return ids;
    }

    private static List<String> hashes(Args a, String field) {
        List<String> hashes = new ArrayList<>();
        if (a.has(field)) {
            JsonNode list = items(a, field);
            for (int i = 0; i < list.size(); i++) {
                hashes.add(tokenHash(list.get(i).asText(), field + "[" + i + "]"));
            }
        }
        return hashes;
    }

    private static List<Object[]> bindingList(Args a, String field) {
        List<Object[]> bindings = new ArrayList<>();
        if (a.has(field)) {
            JsonNode list = items(a, field);
            for (int i = 0; i < list.size(); i++) {
                if (!list.get(i).isObject()) {
                    throw DbProblem.invalid(field + "[" + i + "]", "object", "a binding is {name, gatewayId}");
                }
                Args item = new Args((ObjectNode) list.get(i));
                bindings.add(new Object[] {
                    name(item.string("name"), field + "[" + i + "].name"), gatewayId(item, "gatewayId")
                });
            }
        }
        return bindings;
    }

    private static JsonNode items(Args a, String field) {
        JsonNode list = a.array(field);
        if (list.size() > IMPORT_ITEMS) {
            throw DbProblem.invalid(field, "range", field + " holds at most " + IMPORT_ITEMS + " entries a call");
        }
        return list;
    }

    private static long gatewayId(Args a, String field) {
        long id = a.longValue(field);
        if (id <= 0) {
            throw DbProblem.invalid(field, "positive", "a gateway id is a positive integer, got " + id);
        }
        return id;
    }

    /** A shared volume's name: 1..64 characters (the monitor checks the 64 bytes of UTF-8). */
    private static String name(String name, String field) {
        if (name.isEmpty() || name.length() > 64) {
            throw DbProblem.invalid(field, "length", "a shared volume name is 1..64 characters");
        }
        return name;
    }

    private static String tokenHash(String text, String field) {
        if (text.length() != 64 || !text.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw DbProblem.invalid(field, "sha256", field + " must be a SHA-256 in hex");
        }
        return text.toLowerCase(Locale.ROOT);
    }
}
