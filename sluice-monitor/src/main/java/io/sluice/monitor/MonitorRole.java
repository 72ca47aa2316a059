package io.sluice.monitor;

import io.sluice.protocol.MonitorAddress;

/**
 * Whether this monitor serves gateways or sends them to the one that does (docs/design.md, "Gateways follow the
 * active"). The supervisor that holds the server's lease decides and starts the monitor accordingly; the monitor never
 * changes its role while it runs.
 *
 * <ul>
 *   <li><b>Active</b>, with the fencing epoch of the lease its server holds (0 for a server not in a pair): it opens
 *       sessions, says the epoch in AUTH_RESULT ACCEPTED and stamps it on every THROTTLE_SET.
 *   <li><b>Standby</b>: it answers every HELLO with STANDBY, naming the active's address (the lease's holder, as
 *       gateways dial it) or, when null, none known yet, and opens no session.
 * </ul>
 *
 * @param standby true for a standby
 * @param epoch an active's fencing epoch, 0..2^63-1; 0 for a standby
 * @param activeAddress a standby's active, {@code HOST:PORT}, or null when none is known; null for an active
 */
public record MonitorRole(boolean standby, long epoch, String activeAddress) {
    /** A server on its own, not in a pair: active at epoch 0. */
    public static final MonitorRole STANDALONE = active(0);
    /** How long a gateway told "no active known" waits before it asks again: a takeover takes a few lease renewals. */
    public static final int NO_ACTIVE_RETRY_AFTER_MILLIS = 1_000;

    public MonitorRole {
        if (epoch < 0) {
            throw new IllegalArgumentException("a fencing epoch is 0 or more: " + epoch);
        }
        if (!standby && activeAddress != null) {
            throw new IllegalArgumentException("an active monitor names no other");
        }
        if (standby && epoch != 0) {
            throw new IllegalArgumentException("a standby stamps no epoch");
        }
        if (activeAddress != null) {
            MonitorAddress.parse(activeAddress);
        }
    }

    public static MonitorRole active(long epoch) {
        return new MonitorRole(false, epoch, null);
    }

    /** A standby naming {@code activeAddress} ({@code HOST:PORT}), or none when null. */
    public static MonitorRole standby(String activeAddress) {
        return new MonitorRole(true, 0, activeAddress);
    }

    @Override
    public String toString() {
        return standby
                ? "standby" + (activeAddress == null ? " (no active known)" : " of " + activeAddress)
                : "active at epoch " + epoch;
    }
}
