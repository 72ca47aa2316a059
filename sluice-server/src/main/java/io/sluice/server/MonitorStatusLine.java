package io.sluice.server;

import io.sluice.monitor.MonitorCounters;
import io.sluice.monitor.MonitorDaemon;

/** The status line {@code sluice monitor} prints every {@code --status-every}: its role, sessions, polls and bounds. */
final class MonitorStatusLine {
    private MonitorStatusLine() {}

    static String of(MonitorDaemon daemon) {
        MonitorCounters c = daemon.counters();
        return String.format(
                "%s: sessions %d, connections %d, pending %d, unreachable %d, polls %d/%d, throttles %d/%d, "
                        + "pairs %d (Tptmax %.0f us, %d added, %d retired), reports dropped %d, lost %d, unauthenticated %d (refused %d, timed out %d), "
                        + "handshakes in progress %d (bound reached %d times, %d waiting for their address's share)",
                daemon.role().standby()
                        ? "standby (" + c.standbyReferrals() + " sent to the active)"
                        : "active at epoch " + daemon.role().epoch(),
                daemon.sessionsInSession(),
                daemon.connections(),
                daemon.pendingApprovals(),
                daemon.unreachableGateways(),
                c.pollsAnswered(),
                c.pollsSent(),
                c.throttlesAcked(),
                c.throttlesSent(),
                daemon.pairCount(),
                daemon.tptMaxMicros(),
                c.pairsAdded(),
                c.pairsRetired(),
                c.reportsDropped(),
                c.reportsLost(),
                daemon.unauthenticatedConnections(),
                c.unauthenticatedRefused(),
                c.handshakeTimeouts(),
                daemon.handshakesInProgress(),
                c.handshakeBoundReached(),
                daemon.handshakesWaiting());
    }
}
