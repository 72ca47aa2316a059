package io.sluice.protocol;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Which monitor a gateway dials next: its configured monitors in turn, and the active one a standby names (STANDBY)
 * ahead of them. The session logic both gateways share (sluice-gateway's link and the simulator), free of I/O and
 * clocks: the caller dials {@link #current()}, reports what came of it, and waits its own back-off.
 *
 * <ul>
 *   <li>An attempt that fails (no connection, a broken session, a handshake cut short, no active known, an older epoch
 *       than one seen) moves on to the next configured monitor, after the one last tried from the list: the monitor
 *       that was active may be the one that died, and a standby sends the gateway back at once if not.
 *   <li>A standby naming the active makes it the next address, once. The first such redirect in a row is followed at
 *       once; the next ones wait for the caller's back-off, so two standbys naming each other (a takeover under way, or
 *       a pair misconfigured) cost a few attempts a second, not a busy loop; and after {@link #MAX_REDIRECTS_IN_A_ROW}
 *       the next one counts as a failure, so standbys sending the gateway round in a circle cannot keep it from the
 *       rest of its list. A session that opens ends the row.
 *   <li>An answer from an active monitor (AUTH_RESULT PENDING or REFUSED) keeps it: that is the server to wait for.
 * </ul>
 *
 * One rotation per gateway, used by its link's thread alone.
 */
public final class MonitorRotation {
    /** Redirects followed in a row before the next one is taken as a failure of the monitor that sent it. */
    public static final int MAX_REDIRECTS_IN_A_ROW = 3;

    private final List<InetSocketAddress> configured;
    /** The configured monitor tried last (or being tried). */
    private int position;
    /** The active a standby named, dialled next instead of the list; null when none. */
    private InetSocketAddress redirect;

    private int redirectsInARow;

    /** @param monitors the configured monitors, in the order to try them; at least one */
    public MonitorRotation(List<InetSocketAddress> monitors) {
        if (monitors.isEmpty()) {
            throw new IllegalArgumentException("at least one monitor address is needed");
        }
        this.configured = List.copyOf(monitors);
    }

    /** The monitor to dial now. */
    public InetSocketAddress current() {
        return redirect != null ? redirect : configured.get(position);
    }

    /** The attempt at {@link #current()} came to nothing: the next configured monitor is tried next. */
    public void failed() {
        redirect = null;
        redirectsInARow = 0;
        position = (position + 1) % configured.size();
    }

    /**
     * A standby named {@code active}: it is dialled next, unless {@link #MAX_REDIRECTS_IN_A_ROW} were followed already,
     * when the next configured monitor is.
     *
     * @return true to dial at once (the first redirect in a row), false to wait the back-off first
     */
    public boolean redirect(InetSocketAddress active) {
        if (redirectsInARow == MAX_REDIRECTS_IN_A_ROW) {
            failed();
            return false;
        }
        redirect = active;
        redirectsInARow++;
        return redirectsInARow == 1;
    }

    /** A session opened with {@link #current()}: redirects start counting afresh. */
    public void opened() {
        redirectsInARow = 0;
    }

    /** The configured monitors, in order. */
    public List<InetSocketAddress> configured() {
        return configured;
    }
}
