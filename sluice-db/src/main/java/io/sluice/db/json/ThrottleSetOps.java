package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.ThrottleSetRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code throttleset.*}: the last throttle set the SLA services sent per volume and gateway, so that a server taking
 * over resumes from it (docs/design.md, "The gateway registry in the database"). Not audited: the services write one at
 * every change of a volume's limits.
 */
final class ThrottleSetOps extends OpGroup {
    /** Sets per call and per page: 14 numbers of up to 19 digits each, so a page stays well within a 256 KiB slot. */
    static final int PAGE = 500;
    /** The fields of a set after volume id and version, as THROTTLE_SET carries them. */
    static final int SETTINGS = 14;

    private final ThrottleSetRepository sets = new ThrottleSetRepository();

    ThrottleSetOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("throttleset.record", this::record);
        ops.put("throttleset.list", this::list);
    }

    /** {@code items}: 1..500 of {volumeId, gatewayId, version, settings: [14 integers]}; one transaction. */
    private JsonNode record(Args a, String actor) throws SQLException {
        JsonNode list = a.array("items");
        if (list.isEmpty() || list.size() > PAGE) {
            throw DbProblem.invalid("items", "range", "items must hold 1.." + PAGE + " sets");
        }
        long now = clock.epochMillis();
        List<ThrottleSetRepository.ThrottleSet> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                throw DbProblem.invalid("items[" + i + "]", "object", "each item must be an object");
            }
            Args item = new Args((ObjectNode) list.get(i));
            int volumeId = item.intValue("volumeId");
            long gatewayId = item.longValue("gatewayId");
            long version = item.longValue("version");
            JsonNode settings = item.array("settings");
            boolean integers = settings.size() == SETTINGS;
            for (JsonNode value : settings) {
                integers &= value.isIntegralNumber() && value.canConvertToLong();
            }
            if (volumeId <= 0 || gatewayId <= 0 || !integers) {
                throw DbProblem.invalid(
                        "items[" + i + "]",
                        "throttle-set",
                        "a set needs a volume id, a gateway id and " + SETTINGS + " integer settings");
            }
            items.add(new ThrottleSetRepository.ThrottleSet(volumeId, gatewayId, version, settings.toString(), now));
        }
        tx(c -> {
            for (ThrottleSetRepository.ThrottleSet set : items) {
                sets.record(c, set);
            }
            return null;
        });
        return mapper.createObjectNode().put("stored", items.size());
    }

    /** {@code after} (the {@code next} of the page before): {@code items} of volumeId, gatewayId, version, settings. */
    private JsonNode list(Args a, String actor) throws SQLException {
        int offset = a.has("after") ? a.intValue("after") : 0;
        int limit = a.limit(PAGE, PAGE);
        List<ThrottleSetRepository.ThrottleSet> page = tx(c -> sets.page(c, offset, limit));
        ObjectNode result = mapper.createObjectNode();
        ArrayNode items = result.putArray("items");
        for (ThrottleSetRepository.ThrottleSet set : page) {
            ObjectNode item = items.addObject()
                    .put("volumeId", set.volumeId())
                    .put("gatewayId", set.gatewayId())
                    .put("version", set.version())
                    .put("sentAt", set.sentAt());
            item.set("settings", parse(set.settings()));
        }
        return putNext(result, page, limit, () -> offset + limit);
    }
}
