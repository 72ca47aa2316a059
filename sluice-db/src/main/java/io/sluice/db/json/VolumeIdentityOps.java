package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.VolumeIdentityRepository;
import io.sluice.db.store.VolumeIdentityRepository.Identity;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code volumeid.*}: the monitor's volume ids, kept for good in the database so that a server taking over gives each
 * volume the id the one before it gave (docs/design.md, "Volume ids in the database"). Not audited: a gateway's
 * registration assigns them, not a person.
 */
final class VolumeIdentityOps extends OpGroup {
    /** Volumes per call and per page: a VOLUMES frame's worth, names of up to 64 bytes, well within a slot. */
    static final int PAGE = 1000;

    private static final int MAX_NAME = 64;

    private final VolumeIdentityRepository identities = new VolumeIdentityRepository();

    VolumeIdentityOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("volumeid.assign", this::assign);
        ops.put("volumeid.list", this::list);
        ops.put("volumeid.import", this::importAll);
    }

    /**
     * {@code gatewayId}, {@code maxPerGateway}, {@code maxInAll}, {@code items}: 1..1000 of {name, shared, proposed}.
     * One transaction: {@code ids} in the items' order, or, when the names new to the server would take the gateway
     * (its own names) or the server (all names) past its cap, {@code capped: true} and nothing assigned.
     */
    private JsonNode assign(Args a, String actor) throws SQLException {
        long gatewayId = a.longValue("gatewayId");
        if (gatewayId <= 0) {
            throw DbProblem.invalid("gatewayId", "range", "gatewayId must be positive");
        }
        int maxPerGateway = positive(a, "maxPerGateway");
        int maxInAll = positive(a, "maxInAll");
        JsonNode list = a.array("items");
        if (list.isEmpty() || list.size() > PAGE) {
            throw DbProblem.invalid("items", "range", "items must hold 1.." + PAGE + " volumes");
        }
        String gateway = Long.toString(gatewayId);
        List<String> owners = new ArrayList<>(list.size());
        List<String> names = new ArrayList<>(list.size());
        int[] proposed = new int[list.size()];
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                throw DbProblem.invalid("items[" + i + "]", "object", "each item must be an object");
            }
            Args item = new Args((ObjectNode) list.get(i));
            owners.add(item.bool("shared", false) ? VolumeIdentityRepository.SHARED : gateway);
            names.add(name(item, "items[" + i + "].name"));
            proposed[i] = item.has("proposed") ? item.intValue("proposed") : 0;
        }
        long now = clock.epochMillis();
        return tx(c -> {
            identities.takeTurn(c); // before counting: two transactions must not both pass a cap
            int newOwn = 0;
            int newInAll = 0;
            Set<String> counted = new HashSet<>();
            for (int i = 0; i < names.size(); i++) {
                String key = owners.get(i) + ' ' + names.get(i);
                if (counted.add(key) && identities.idOf(c, owners.get(i), names.get(i)) == 0) {
                    newInAll++;
                    newOwn += owners.get(i).equals(gateway) ? 1 : 0;
                }
            }
            ObjectNode result = mapper.createObjectNode();
            if (newInAll > 0
                    && ((long) identities.count(c, gateway) + newOwn > maxPerGateway
                            || (long) identities.count(c, null) + newInAll > maxInAll)) {
                return result.put("capped", true).putNull("ids");
            }
            ArrayNode ids = result.put("capped", false).putArray("ids");
            for (int i = 0; i < names.size(); i++) {
                ids.add(identities.assign(c, owners.get(i), names.get(i), proposed[i], now));
            }
            return result;
        });
    }

    /** {@code after} (the {@code next} of the page before, an id), {@code limit}: {@code items} by id. */
    private JsonNode list(Args a, String actor) throws SQLException {
        int after = a.has("after") ? a.intValue("after") : 0;
        int limit = a.limit(PAGE, PAGE);
        List<Identity> page = tx(c -> identities.page(c, after, limit));
        ObjectNode result = mapper.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (Identity identity : page) {
            items.addObject()
                    .put("volumeId", identity.volumeId())
                    .put("owner", identity.owner())
                    .put("name", identity.name());
        }
        return putNext(result, page, limit, () -> page.getLast().volumeId());
    }

    /**
     * {@code items}: 1..1000 of {volumeId, owner, name} from a monitor's old file; each stored unless its id or its key
     * is kept already (the database's assignment wins). Idempotent, so a monitor that dies before renaming its file
     * imports it again harmlessly. {@code stored} and {@code kept} (already there, or another's) count them.
     */
    private JsonNode importAll(Args a, String actor) throws SQLException {
        JsonNode list = a.array("items");
        if (list.isEmpty() || list.size() > PAGE) {
            throw DbProblem.invalid("items", "range", "items must hold 1.." + PAGE + " volumes");
        }
        List<Identity> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                throw DbProblem.invalid("items[" + i + "]", "object", "each item must be an object");
            }
            Args item = new Args((ObjectNode) list.get(i));
            int volumeId = item.intValue("volumeId");
            String owner = item.string("owner");
            if (volumeId <= 0 || !owner.equals(VolumeIdentityRepository.SHARED) && !isGatewayId(owner)) {
                throw DbProblem.invalid(
                        "items[" + i + "]", "volume-identity", "an identity needs a positive id and an owner");
            }
            items.add(new Identity(volumeId, owner, name(item, "items[" + i + "].name")));
        }
        long now = clock.epochMillis();
        int stored = tx(c -> {
            int n = 0;
            for (Identity identity : items) {
                n += identities.importOne(c, identity, now) ? 1 : 0;
            }
            return n;
        });
        return mapper.createObjectNode().put("stored", stored).put("kept", items.size() - stored);
    }

    private static String name(Args item, String field) {
        String name = item.string("name");
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw DbProblem.invalid(field, "length", "a volume name has 1.." + MAX_NAME + " characters");
        }
        return name;
    }

    private static int positive(Args a, String field) {
        int value = a.intValue(field);
        if (value <= 0) {
            throw DbProblem.invalid(field, "range", field + " must be positive");
        }
        return value;
    }

    private static boolean isGatewayId(String owner) {
        try {
            return Long.parseLong(owner) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
