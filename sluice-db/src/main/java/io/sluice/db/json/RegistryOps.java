package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.RegistryRepository;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code gateway.*}, {@code volume.*}, {@code backend.*}: the registry and backends' capacity history. */
final class RegistryOps extends OpGroup {
    static final Set<String> GATEWAY_STATES = Set.of("APPROVED", "PENDING", "REVOKED", "REJECTED");
    private final RegistryRepository registry = new RegistryRepository();
    private final KnownVolumes knownVolumes;

    RegistryOps(Database database, EpochClock clock, KnownVolumes knownVolumes) {
        super(database, clock);
        this.knownVolumes = knownVolumes;
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("gateway.upsert", this::upsertGateway);
        ops.put(
                "gateway.list",
                (a, actor) -> items(tx(c -> registry.gateways(c, a.optOneOf("state", GATEWAY_STATES, null)))));
        ops.put("volume.upsert", this::upsertVolume);
        ops.put("volumes.upsert", this::upsertVolumes);
        ops.put("volume.list", this::volumes);
        ops.put("backend.upsert", this::upsertBackend);
        ops.put("backend.list", (a, actor) -> items(tx(registry::backends)));
        ops.put("backend.history", this::backendHistory);
    }

    private JsonNode upsertGateway(Args a, String actor) throws SQLException {
        long gatewayId = a.longValue("gatewayId");
        String state = a.oneOf("state", GATEWAY_STATES);
        String keyHash = a.optString("keyHash", null);
        Long lastSeen = a.optLongOrNull("lastSeen");
        String address = a.optString("address", null);
        String name = a.optString("name", null);
        long now = clock.epochMillis();
        return tx(c -> {
            ObjectNode gateway = registry.upsertGateway(c, gatewayId, name, state, keyHash, lastSeen, address, now);
            audit.append(c, now, actor, "gateway.upsert", "gateway:" + gatewayId, "{\"state\":\"" + state + "\"}");
            return gateway;
        });
    }

    private JsonNode upsertVolume(Args a, String actor) throws SQLException {
        int volumeId = a.intValue("volumeId");
        long gatewayId = a.longValue("gatewayId");
        String backendId = a.optString("backendId", null);
        Long allocated = a.optLongOrNull("allocatedBytes");
        Long used = a.optLongOrNull("usedBytes");
        long now = clock.epochMillis();
        if (volumeId <= 0) {
            throw DbProblem.invalid("volumeId", "positive", "volume ids start at 1, got " + volumeId);
        }
        RegistryRepository.VolumeNaming naming = naming(a, "");
        JsonNode volume =
                tx(c -> registry.upsertVolume(c, volumeId, naming, gatewayId, backendId, allocated, used, now));
        knownVolumes.add(volumeId);
        return volume;
    }

    /**
     * Many volumes in one transaction ({@code items}: up to {@value #VOLUME_PAGE} of volume.upsert's fields): a gateway
     * of hundreds of volumes, or hundreds of gateways coming up at once, registers in a few calls instead of one per
     * volume. All or none: one bad item refuses the call.
     */
    private JsonNode upsertVolumes(Args a, String actor) throws SQLException {
        JsonNode list = a.array("items");
        if (list.isEmpty() || list.size() > VOLUME_PAGE) {
            throw DbProblem.invalid("items", "range", "items must hold 1.." + VOLUME_PAGE + " volumes");
        }
        List<Args> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                throw DbProblem.invalid("items[" + i + "]", "object", "each item must be an object");
            }
            Args item = new Args((ObjectNode) list.get(i));
            if (item.intValue("volumeId") <= 0) {
                throw DbProblem.invalid("items[" + i + "].volumeId", "positive", "volume ids start at 1");
            }
            item.longValue("gatewayId");
            naming(item, "items[" + i + "].");
            items.add(item);
        }
        long now = clock.epochMillis();
        tx(c -> {
            for (Args item : items) {
                registry.upsertVolume(
                        c,
                        item.intValue("volumeId"),
                        naming(item, ""),
                        item.longValue("gatewayId"),
                        item.optString("backendId", null),
                        item.optLongOrNull("allocatedBytes"),
                        item.optLongOrNull("usedBytes"),
                        now);
            }
            return null;
        });
        items.forEach(item -> knownVolumes.add(item.intValue("volumeId")));
        return mapper.createObjectNode().put("stored", items.size());
    }

    /**
     * A volume's names: {@code exportName} and {@code gatewayName} (both or neither), and {@code shared}; its name is
     * the export name for a shared volume, else "gateway name/export name".
     */
    private static RegistryRepository.VolumeNaming naming(Args a, String prefix) {
        String exportName = a.optString("exportName", null);
        String gatewayName = a.optString("gatewayName", null);
        if (exportName == null && gatewayName == null) {
            return null;
        }
        if (exportName == null || gatewayName == null || exportName.length() > 64 || gatewayName.length() > 255) {
            throw DbProblem.invalid(
                    prefix + (exportName == null ? "exportName" : "gatewayName"),
                    "names",
                    "a volume's exportName (1..64) and gatewayName (1..255) go together");
        }
        boolean shared = a.bool("shared", false);
        return new RegistryRepository.VolumeNaming(
                shared ? exportName : gatewayName + "/" + exportName, exportName, gatewayName, shared);
    }

    private JsonNode upsertBackend(Args a, String actor) throws SQLException {
        String backendId = a.string("backendId");
        long capacity = a.longValue("capacityBytes");
        long used = a.longValue("usedBytes");
        long at = a.longValue("at");
        return tx(c -> registry.upsertBackend(c, backendId, capacity, used, at));
    }

    /**
     * A page of volumes by id; a page too large for a slot (long backend ids) is asked again with half the limit (paged
     * op).
     */
    static final int VOLUME_PAGE = 1_000;

    static final int MAX_MATCH_LENGTH = 200;

    private JsonNode volumes(Args a, String actor) throws SQLException {
        int limit = a.limit(VOLUME_PAGE, VOLUME_PAGE);
        Long after = a.cursor();
        String match = a.optString("match", null);
        if (match != null && match.length() > MAX_MATCH_LENGTH) {
            throw DbProblem.invalid("match", "length", "match must be 1.." + MAX_MATCH_LENGTH + " characters");
        }
        List<ObjectNode> page = tx(c -> registry.volumes(c, after == null ? 0 : after, match, limit));
        ObjectNode result = items(page);
        result.put(
                "next",
                page.size() == limit
                        ? String.valueOf(page.getLast().get("volumeId").asLong())
                        : null);
        return result;
    }

    private JsonNode backendHistory(Args a, String actor) throws SQLException {
        String backendId = a.string("backendId");
        long from = a.longValue("from");
        long to = a.longValue("to");
        int limit = a.limit(1000, 10_000);
        Long after = a.cursor();
        List<ObjectNode> page = tx(c ->
                registry.backendHistory(c, backendId, after == null ? from : Math.max(from, after + 1), to, limit));
        ObjectNode result = items(page);
        result.put(
                "next",
                page.size() == limit ? String.valueOf(page.getLast().get("at").asLong()) : null);
        return result;
    }
}
