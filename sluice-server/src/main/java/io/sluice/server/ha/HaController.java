package io.sluice.server.ha;

import io.sluice.db.lease.LeaseStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Makes the server play the part the lease gives it (docs/design.md, "The supervisor follows the lease"). A
 * single-threaded {@link #doWork} given the monotonic time, stepped by the supervisor's thread after each supervision
 * step: it reads the lease ({@link LeaseView}, never blocking) and, when the part changes, tells the roles
 * ({@link ServerPart}).
 *
 * <ul>
 *   <li>The lease lets this server act at epoch <i>e</i> and it is not acting at <i>e</i>: become active at <i>e</i> (a
 *       new epoch after a lost one is a new start, so the monitor stamps the right one).
 *   <li>It may not act (not the holder, or past its deadline with no renewal, whether or not the keeper has said LOST
 *       yet) and it is acting: become standby at once.
 *   <li>Standby and the holder it read changed: standby again, naming the new holder (never itself: a server that lost
 *       its lease while the row still names it names none).
 * </ul>
 *
 * <p>It starts as the supervisor starts the server in a pair: standby, naming none.
 */
public final class HaController {
    private final LeaseView lease;
    private final ServerPart part;
    private final String self;
    private final Consumer<String> log;
    private boolean active;
    private long actingEpoch;
    private String standbyOf;
    private long changes;
    private volatile Map<String, Object> status;

    /** @param self this server's advertised monitor address: the holder the lease names while this server holds it */
    public HaController(LeaseView lease, ServerPart part, String self, Consumer<String> log) {
        this.lease = lease;
        this.part = part;
        this.self = self;
        this.log = log;
        this.status = snapshot(lease.status());
    }

    /** One step at monotonic time {@code nowNanos}; the part's failures propagate and the next step tries again. */
    public void doWork(long nowNanos) throws Exception {
        long epoch = lease.activeEpoch(nowNanos);
        LeaseStatus seen = lease.status();
        if (epoch > 0) {
            if (!active || epoch != actingEpoch) {
                log.accept("lease held at epoch " + epoch + ": becoming active");
                active = true;
                actingEpoch = epoch;
                standbyOf = null;
                changes++;
                part.active(epoch);
            }
        } else {
            String named = seen.holder().isEmpty() || seen.holder().equals(self) ? null : seen.holder();
            if (active || !Objects.equals(named, standbyOf)) {
                String lost = active
                        ? "lease lost (epoch " + actingEpoch + ", " + seen.state() + "): stopping at once; "
                        : "";
                log.accept(lost + "standby of "
                        + (named == null ? "no known active" : named + " (epoch " + seen.holderEpoch() + ")"));
                active = false;
                actingEpoch = 0;
                standbyOf = named;
                changes++;
                part.standby(named);
            }
        }
        status = snapshot(seen);
    }

    public boolean active() {
        return active;
    }

    /** The epoch this server acts with, 0 while standby. */
    public long actingEpoch() {
        return actingEpoch;
    }

    /** The active a standby names, null when active or when none is known. */
    public String standbyOf() {
        return standbyOf;
    }

    private Map<String, Object> snapshot(LeaseStatus seen) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("role", active ? "active" : "standby");
        s.put("self", self);
        s.put("holder", active ? self : seen.holder());
        s.put("epoch", active ? actingEpoch : seen.holderEpoch());
        s.put("leaseState", seen.state().name());
        s.put("changes", changes);
        return Collections.unmodifiableMap(s);
    }

    /** For status.json ({@code ha}): role, this server, the holder and its epoch as last read; any thread. */
    public Map<String, Object> status() {
        return new LinkedHashMap<>(status);
    }
}
