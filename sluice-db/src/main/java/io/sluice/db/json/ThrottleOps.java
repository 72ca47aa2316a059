package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.ManualThrottleRepository;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code throttle.*}: operators' manual throttles on volumes. Setting one ends the volume's throttle in force, and both
 * setting and cancelling write their audit record in the same transaction. The bounds are checked here as well as by
 * the application server, so a tool talking to the mailbox cannot store what the API would refuse.
 */
final class ThrottleOps extends OpGroup {
    /** The longest a manual throttle may last: a week; an operator renews one that should last longer. */
    static final long MAX_DURATION_MILLIS = 7L * 24 * 3_600_000;
    /** The largest IOPS limit a THROTTLE_SET carries (an unsigned 32-bit field). */
    static final long MAX_IOPS = 0xFFFF_FFFFL;
    /** The largest bandwidth limit taken: 1 TB/s, beyond any device. */
    static final long MAX_BANDWIDTH = 1_000_000_000_000L;

    static final int MAX_REASON_LENGTH = 200;
    private final ManualThrottleRepository throttles = new ManualThrottleRepository();

    ThrottleOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("throttle.set", this::set);
        ops.put("throttle.cancel", this::cancel);
        ops.put("throttle.list", (a, actor) -> items(tx(c -> throttles.allInForce(c, clock.epochMillis()))));
    }

    private JsonNode set(Args a, String actor) throws SQLException {
        long now = clock.epochMillis();
        int volumeId = a.intValue("volumeId");
        long iops = a.has("iopsLimit") ? a.longValue("iopsLimit") : 0;
        long bandwidth = a.has("bandwidthLimit") ? a.longValue("bandwidthLimit") : 0;
        long expiresAt = a.longValue("expiresAt");
        String reason = a.optString("reason", "");
        if (volumeId <= 0) {
            throw DbProblem.invalid("volumeId", "positive", "volume ids start at 1, got " + volumeId);
        }
        if (iops < 0 || iops > MAX_IOPS) {
            throw DbProblem.invalid("iopsLimit", "range", "iopsLimit must be 1.." + MAX_IOPS + ", or left out");
        }
        if (bandwidth < 0 || bandwidth > MAX_BANDWIDTH) {
            throw DbProblem.invalid(
                    "bandwidthLimit", "range", "bandwidthLimit must be 1.." + MAX_BANDWIDTH + ", or left out");
        }
        if (iops == 0 && bandwidth == 0) {
            throw DbProblem.invalid(
                    "iopsLimit", "a-limit", "a manual throttle needs an iopsLimit, a bandwidthLimit or both");
        }
        if (expiresAt <= now || expiresAt > now + MAX_DURATION_MILLIS) {
            throw DbProblem.invalid(
                    "expiresAt",
                    "range",
                    "expiresAt must be after now and at most " + MAX_DURATION_MILLIS / 3_600_000 + " hours ahead");
        }
        if (reason.length() > MAX_REASON_LENGTH) {
            throw DbProblem.invalid(
                    "reason", "max-length", "reason is longer than " + MAX_REASON_LENGTH + " characters");
        }
        ManualThrottleRepository.Request request =
                new ManualThrottleRepository.Request(volumeId, iops, bandwidth, reason, expiresAt);
        return tx(c -> {
            if (!throttles.volumeKnown(c, volumeId)) {
                throw DbProblem.notFound("no volume " + volumeId);
            }
            ObjectNode stored = throttles.set(c, request, actor, now);
            ObjectNode detail = mapper.createObjectNode()
                    .put("iopsLimit", iops)
                    .put("bandwidthLimit", bandwidth)
                    .put("expiresAt", expiresAt)
                    .put("reason", reason);
            audit.append(c, now, actor, "volume.throttle.set", "volume:" + volumeId, detail.toString());
            return stored;
        });
    }

    private JsonNode cancel(Args a, String actor) throws SQLException {
        int volumeId = a.intValue("volumeId");
        long now = clock.epochMillis();
        return tx(c -> {
            ObjectNode ended = throttles.end(c, volumeId, actor, now);
            if (ended == null) {
                throw DbProblem.notFound("no manual throttle in force on volume " + volumeId);
            }
            audit.append(
                    c,
                    now,
                    actor,
                    "volume.throttle.cancel",
                    "volume:" + volumeId,
                    mapper.createObjectNode()
                            .put("id", ended.get("id").asLong())
                            .toString());
            return ended.put("endedBy", actor).put("endedAt", now);
        });
    }
}
