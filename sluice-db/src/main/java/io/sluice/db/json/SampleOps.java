package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.OpenSeconds;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.SamplePoint;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.SecondHistory;
import io.sluice.db.store.VolumeSummary;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code samples.range} and {@code samples.summary}: performance history at the resolution the range calls for. */
final class SampleOps extends OpGroup {
    static final Set<String> DIRECTIONS = Set.of("READ", "WRITE");
    static final Set<String> RESOLUTIONS = Set.of("1s", "1m", "1h");
    private final SampleRepository samples;
    /** The minute-rows layout's 1 s reads, or null (the rows layout: samples_1s alone). */
    private final SecondHistory seconds;

    SampleOps(Database database, EpochClock clock, OpenSeconds open) {
        super(database, clock);
        this.samples = new SampleRepository(database.engine());
        this.seconds = open == null ? null : new SecondHistory(database, open);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("samples.range", (a, actor) -> range(a));
        ops.put("samples.summary", (a, actor) -> summary(a));
    }

    private JsonNode range(Args a) throws SQLException {
        int volumeId = a.intValue("volumeId");
        String direction = a.optOneOf("direction", DIRECTIONS, null);
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        Resolution resolution = resolution(a, from, to);
        // 800 points of about 260 bytes fill most of a 256 KiB slot.
        int limit = a.limit(800, 10_000);
        Long after = a.cursor();
        // A page never needs more than limit windows of the resolution, so the scan is bounded by
        // the page, not by the whole range (the cursor still decides where the next page starts).
        long pageFrom = after == null ? from : Math.max(from, after + 1);
        long pageTo = Math.min(to, pageFrom + limit * resolution.millis());
        Integer directionCode = direction == null ? null : direction.equals("READ") ? 0 : 1;
        long afterT = after == null ? Long.MIN_VALUE : after;
        List<SamplePoint> points = seconds != null && resolution == Resolution.SECOND
                ? seconds.range(volumeId, directionCode, pageFrom, pageTo, afterT, limit)
                : tx(c -> samples.range(c, volumeId, directionCode, pageFrom, pageTo, afterT, resolution, limit));
        ObjectNode result = mapper.createObjectNode();
        result.put("resolution", resolution.label());
        result.putPOJO("points", new StreamedPoints(points));
        String next = null;
        if (points.size() == limit) {
            next = String.valueOf(points.getLast().t());
        } else if (pageTo < to) {
            next = String.valueOf(pageTo - 1);
        }
        result.put("next", next);
        return result;
    }

    private JsonNode summary(Args a) throws SQLException {
        long from = a.longValue("from");
        long to = a.longValue("to");
        if (to <= from) {
            throw DbProblem.invalid("to", "after-from", "to must be after from");
        }
        int[] volumeIds = null;
        if (a.has("volumeIds")) {
            JsonNode ids = a.array("volumeIds");
            if (ids.isEmpty() || ids.size() > 10_000) {
                throw DbProblem.invalid("volumeIds", "size", "volumeIds must hold 1..10000 ids");
            }
            volumeIds = new int[ids.size()];
            for (int i = 0; i < volumeIds.length; i++) {
                if (!ids.get(i).canConvertToInt() || !ids.get(i).isIntegralNumber()) {
                    throw DbProblem.invalid("volumeIds", "int", "volumeIds must be ints");
                }
                volumeIds[i] = ids.get(i).asInt();
            }
        }
        Resolution resolution = resolution(a, from, to);
        int[] ids = volumeIds;
        List<VolumeSummary> list = seconds != null && resolution == Resolution.SECOND
                ? seconds.summary(ids, from, to)
                : tx(c -> samples.summary(c, ids, from, to, resolution));
        ObjectNode result = mapper.createObjectNode();
        result.put("resolution", resolution.label());
        ArrayNode items = result.putArray("items");
        for (VolumeSummary s : list) {
            ObjectNode item = items.addObject();
            item.put("volumeId", s.volumeId());
            item.put("ops", s.ops());
            item.put("bytes", s.bytes());
            item.put("latencyP99Micros", s.latencyP99Micros());
            item.put("points", s.points());
        }
        return result;
    }

    private static Resolution resolution(Args a, long from, long to) {
        return a.has("resolution")
                ? Resolution.ofLabel(a.oneOf("resolution", RESOLUTIONS))
                : Resolution.forRange(from, to);
    }
}
