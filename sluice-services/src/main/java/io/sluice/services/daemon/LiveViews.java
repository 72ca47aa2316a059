package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.services.compliance.Alert;
import io.sluice.services.compliance.Dimension;
import io.sluice.services.compliance.IntervalVerdict;
import io.sluice.services.compliance.Rollup;
import io.sluice.services.compliance.Verdict;
import io.sluice.services.control.ManualThrottle;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.services.stats.StatsPoint;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live views the application server's dashboard polls ({@code live.volumes}, {@code live.volume},
 * {@code live.groups} and {@code compliance.live} of JSON-CALLS.md): what each volume and group did in the newest
 * report, its state against its SLA (NO_SLA, MET, AT_RISK, VIOLATED) and each SLA's met share over the last minute,
 * hour and 30 days. Read from the services' own state, never from the database.
 *
 * <p>Not thread-safe: runs on the services' loop thread, as {@link ServicesQueries} does.
 */
final class LiveViews {
    static final int MAX_LIVE_SECONDS = 600;

    private final ServicesState state;
    private final ObjectMapper json;
    private final ManualThrottleCalls manual;

    LiveViews(ServicesState state, ObjectMapper json, ManualThrottleCalls manual) {
        this.state = state;
        this.json = json;
        this.manual = manual;
    }

    JsonNode volumes(JsonNode call) {
        ListPage page = ListPage.of(call);
        ObjectNode result = json.createObjectNode()
                .put("at", state.clock().epochMillis())
                .put("intervalMillis", state.analyzer().intervalMillis());
        ArrayNode items = result.putArray("items");
        Set<Integer> alerted = alertedVolumes();
        String next = null;
        for (int volumeId : knownVolumes()
                .tailSet((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, page.after())), false)) {
            if (items.size() == page.limit()) {
                next = Integer.toString(
                        items.get(items.size() - 1).get("volumeId").asInt());
                break;
            }
            VolumePlacement placement = state.inventory().volume(volumeId);
            EffectivePolicy policy = state.book().effective(volumeId);
            StatsPoint latest = state.recent().latest(volumeId);
            ObjectNode item = items.addObject().put("volumeId", volumeId).put("name", volumeName(volumeId));
            Long gateway = state.recent().gateways(volumeId).stream()
                    .min(Long::compare)
                    .orElse(null);
            item.put("gatewayId", gateway);
            item.put("backendId", placement == null ? null : placement.backendId());
            item.put("sla", policy.isManaged() ? slaName(policy.sources().getLast()) : null);
            item.put("priority", policy.priority().name());
            put(item, latest);
            item.put("latencyTargetMicros", policy.latency().tightestMicros());
            item.put("iopsLimit", state.sentLimit().applyAsLong(volumeId));
            item.put("reservedIops", policy.reservedIops());
            item.put("state", volumeState(volumeId, policy, alerted));
            ManualThrottle throttle = manual.inForce(volumeId);
            item.set("manual", throttle == null ? null : manual.describe(throttle));
        }
        result.put("next", next);
        return result;
    }

    /** Volumes with an open alert on one of their SLA's dimensions. */
    private Set<Integer> alertedVolumes() {
        Set<Integer> alerted = new HashSet<>();
        for (Alert alert : state.judge().alerts().active()) {
            if (alert.dimension() != null) {
                alerted.add(alert.volumeId());
            }
        }
        return alerted;
    }

    private void put(ObjectNode item, StatsPoint point) {
        double read = point == null ? 0 : point.readIops();
        double write = point == null ? 0 : point.writeIops();
        item.put("iops", read + write)
                .put("readIops", read)
                .put("writeIops", write)
                .put("bytesPerSec", point == null ? 0 : point.readBytesPerSecond() + point.writeBytesPerSecond())
                .put("latencyP50Micros", point == null ? 0 : Math.max(point.readP50Micros(), point.writeP50Micros()))
                .put("latencyP99Micros", point == null ? 0 : Math.max(point.readP99Micros(), point.writeP99Micros()));
    }

    /** Every volume reported on or placed, in id order. */
    TreeSet<Integer> knownVolumes() {
        TreeSet<Integer> ids = new TreeSet<>(state.recent().volumeIds());
        for (VolumePlacement placement : state.inventory().volumes()) {
            ids.add(placement.volumeId());
        }
        return ids;
    }

    /** NO_SLA; VIOLATED while an alert on the volume is open; AT_RISK when its last interval missed; else MET. */
    private String volumeState(int volumeId, EffectivePolicy policy, Set<Integer> alerted) {
        if (!policy.isManaged()) {
            return "NO_SLA";
        }
        if (alerted.contains(volumeId)) {
            return "VIOLATED";
        }
        IntervalVerdict verdict = state.judge().latest(volumeId);
        return verdict != null && !verdict.met() ? "AT_RISK" : "MET";
    }

    JsonNode volume(JsonNode call) {
        JsonNode id = call.get("volumeId");
        if (id == null || !id.isInt()) {
            throw CallProblem.invalid("volumeId", "volume-id", "volumeId must be an int");
        }
        int seconds = 60;
        if (call.hasNonNull("seconds")) {
            if (!call.get("seconds").isInt()
                    || call.get("seconds").asInt() < 1
                    || call.get("seconds").asInt() > MAX_LIVE_SECONDS) {
                throw CallProblem.invalid("seconds", "range", "seconds must be 1.." + MAX_LIVE_SECONDS);
            }
            seconds = call.get("seconds").asInt();
        }
        int volumeId = id.asInt();
        if (!knownVolumes().contains(volumeId)) {
            throw CallProblem.notFound("no volume " + volumeId);
        }
        long now = state.clock().epochMillis();
        long limit = state.sentLimit().applyAsLong(volumeId);
        ObjectNode result = json.createObjectNode().put("volumeId", volumeId).put("name", volumeName(volumeId));
        ArrayNode points = result.putArray("points");
        for (StatsPoint point : state.recent().series(volumeId, now - seconds * 1000L, Long.MAX_VALUE)) {
            ObjectNode p = points.addObject().put("t", point.startMillis());
            put(p, point);
            p.remove(List.of("readIops", "writeIops"));
            p.put("iopsLimit", limit);
        }
        return result;
    }

    /** What people call the volume, or null before the monitor announced it. */
    private String volumeName(int volumeId) {
        DiscoveredGateways.VolumeNaming naming = state.gateways().naming(volumeId);
        return naming == null ? null : naming.name();
    }

    JsonNode groups() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        Set<Integer> alerted = alertedVolumes();
        for (Scope group : state.inventory().groups()) {
            double iops = 0;
            double bytes = 0;
            String worst = "NO_SLA";
            for (VolumePlacement member : state.inventory().members(group)) {
                StatsPoint latest = state.recent().latest(member.volumeId());
                if (latest != null) {
                    iops += latest.readIops() + latest.writeIops();
                    bytes += latest.readBytesPerSecond() + latest.writeBytesPerSecond();
                }
                worst = worse(
                        worst, volumeState(member.volumeId(), state.book().effective(member.volumeId()), alerted));
            }
            Sla sla = state.book().attached(group);
            items.addObject()
                    .put("kind", group.kind().name())
                    .put("id", group.id())
                    .put("iops", iops)
                    .put("bytesPerSec", bytes)
                    .put("iopsLimit", sla == null ? 0 : sla.iops().effectiveTotal())
                    .put("state", worst);
        }
        return result;
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("NO_SLA", "MET", "AT_RISK", "VIOLATED");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    JsonNode compliance() {
        ObjectNode result = json.createObjectNode();
        ArrayNode items = result.putArray("items");
        Map<String, Scope> byName = new HashMap<>();
        state.book().attachedAll().forEach((scope, sla) -> byName.put(sla.name(), scope));
        long now = state.clock().epochMillis();
        for (Map.Entry<String, Scope> entry : new TreeMap<>(byName).entrySet()) {
            String name = entry.getKey();
            Map<Dimension, Verdict> dimensions = new EnumMap<>(Dimension.class);
            for (VolumePlacement member : state.inventory().members(entry.getValue())) {
                IntervalVerdict verdict = state.judge().latest(member.volumeId());
                if (verdict == null) {
                    continue;
                }
                for (Dimension d : Dimension.values()) {
                    Verdict v = verdict.of(d);
                    Verdict held = dimensions.get(d);
                    if (held == null || held == Verdict.NOT_APPLICABLE || v == Verdict.MISSED) {
                        dimensions.put(d, v);
                    }
                }
            }
            double minute = metPercent(state.judge().slaRollups(name, Rollup.Resolution.MINUTE), now, 60_000L);
            double hour = metPercent(state.judge().slaRollups(name, Rollup.Resolution.HOUR), now, 3_600_000L);
            double month = metPercent(state.judge().slaRollups(name, Rollup.Resolution.DAY), now, 30 * 86_400_000L);
            boolean missedNow = dimensions.containsValue(Verdict.MISSED);
            Sla sla = state.book().attached(entry.getValue());
            double target = sla == null ? 99 : sla.complianceTarget() * 100;
            String verdict = hour < target ? "VIOLATED" : missedNow ? "AT_RISK" : "MET";
            ObjectNode item = items.addObject().put("sla", name);
            // The scope as an SLA spec writes it, and as compliance.append sends it to the database manager.
            item.putObject("scope")
                    .put("kind", entry.getValue().kind().name())
                    .put("id", entry.getValue().id());
            item.put("state", verdict)
                    .put("metPercent1m", minute)
                    .put("metPercent1h", hour)
                    .put("metPercent30d", month);
            ObjectNode dims = item.putObject("dimensions");
            for (Dimension d : Dimension.values()) {
                dims.put(
                        d.name(),
                        dimensions.getOrDefault(d, Verdict.NOT_APPLICABLE).name());
            }
        }
        return result;
    }

    /**
     * Met share of the judged intervals in rollups starting within {@code spanMillis} of now, in percent; 100 when
     * none.
     */
    private static double metPercent(List<Rollup> rollups, long now, long spanMillis) {
        long met = 0;
        long judged = 0;
        for (Rollup rollup : rollups) {
            if (rollup.startMillis() + rollup.resolution().millis() <= now - spanMillis) {
                continue;
            }
            // An interval is met when no dimension missed; the dimension missed most bounds the met count.
            long worstMissed = 0;
            long intervals = 0;
            for (Dimension d : Dimension.values()) {
                worstMissed = Math.max(worstMissed, rollup.missed(d));
                intervals = Math.max(intervals, rollup.met(d) + rollup.missed(d));
            }
            met += intervals - worstMissed;
            judged += intervals;
        }
        return judged == 0 ? 100 : 100.0 * met / judged;
    }

    private static String slaName(String source) {
        return source.substring(0, source.lastIndexOf('@'));
    }
}
