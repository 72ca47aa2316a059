package io.sluice.monitor;

import java.util.concurrent.atomic.LongAdder;

/** What the daemon has done, for status, tests and benchmarks. Updated from any thread. */
public final class MonitorCounters {
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder sessionsOpened = new LongAdder();
    final LongAdder authRefused = new LongAdder();
    final LongAdder authPending = new LongAdder();
    final LongAdder framesRefused = new LongAdder();
    final LongAdder pollsSent = new LongAdder();
    final LongAdder pollsAnswered = new LongAdder();
    final LongAdder pollsSkippedBacklogged = new LongAdder();
    /** Poll sweeps that polled nobody because the services had not taken half their mailbox. */
    final LongAdder sweepsSkippedServicesBehind = new LongAdder();
    /** Single gateways polled at an operator's request (MONITOR_POLL_GATEWAY). */
    final LongAdder gatewayPollsRequested = new LongAdder();

    final LongAdder reportsForwarded = new LongAdder();
    /** SERVICES_STATS_BATCH calls posted: reportsForwarded over this is how many reports a call carried. */
    final LongAdder reportBatchesPosted = new LongAdder();

    final LongAdder reportsDropped = new LongAdder();
    final LongAdder volumesDropped = new LongAdder();
    final LongAdder throttlesSent = new LongAdder();
    final LongAdder throttlesAcked = new LongAdder();
    final LongAdder writesGathered = new LongAdder();
    final LongAdder framesWritten = new LongAdder();
    /** Short writes after which the outbound thread asked its selector for the socket's writability. */
    final LongAdder writabilityWatched = new LongAdder();

    final LongAdder slowConsumersClosed = new LongAdder();
    final LongAdder unreachableMarked = new LongAdder();
    final LongAdder sessionsMigrated = new LongAdder();
    /** Ready sessions an idle inbound thread read for a busy pair (work sharing). */
    final LongAdder sessionsShared = new LongAdder();
    /** Posts a pair held back because its calls in the services' mailbox took its share of the slots. */
    final LongAdder pairShareReached = new LongAdder();
    /** Thread pairs started by the sizing after the first ones, and pairs it stopped once they were empty. */
    final LongAdder pairsAdded = new LongAdder();

    final LongAdder pairsRetired = new LongAdder();
    final LongAdder reportsRepeated = new LongAdder();
    final LongAdder reportsLost = new LongAdder();
    final LongAdder reportsRefused = new LongAdder();
    final LongAdder volumeLimitRefusals = new LongAdder();
    final LongAdder certificatesIssued = new LongAdder();
    final LongAdder certificatesRefused = new LongAdder();

    /** Gateway certificates signed, at enrollment (ENROLL) and renewal (RENEW). */
    public long certificatesIssued() {
        return certificatesIssued.sum();
    }

    /** Certificate requests answered with a refusal (a bad request, a revoked certificate, a failed write). */
    public long certificatesRefused() {
        return certificatesRefused.sum();
    }

    final LongAdder sharedVolumesRefused = new LongAdder();

    /**
     * Volumes refused because their gateway announced them shared under a name it is not bound to: one per volume per
     * registration, so a gateway that keeps announcing one counts it at each of its sessions.
     */
    public long sharedVolumesRefused() {
        return sharedVolumesRefused.sum();
    }

    /** Gateways refused because they announced more volumes than the server accepts per gateway. */
    public long volumeLimitRefusals() {
        return volumeLimitRefusals.sum();
    }

    /** Connections a standby answered with STANDBY (MonitorRole). */
    final LongAdder standbyReferrals = new LongAdder();

    public long standbyReferrals() {
        return standbyReferrals.sum();
    }

    final LongAdder unauthenticatedRefused = new LongAdder();
    final LongAdder handshakeTimeouts = new LongAdder();
    final LongAdder handshakeBoundReached = new LongAdder();
    final LongAdder handshakesWaited = new LongAdder();
    final LongAdder certificatesExpiredInSession = new LongAdder();

    /** Sessions closed because the certificate they were authenticated with expired while they were open. */
    public long certificatesExpiredInSession() {
        return certificatesExpiredInSession.sum();
    }

    /**
     * Connections that waited, accepted, for a handshake place of their own address because it held its share: a climb
     * with one address in the log is one host opening connections faster than it finishes them.
     */
    public long handshakesWaited() {
        return handshakesWaited.sum();
    }

    /**
     * Times the acceptor found the TLS handshakes in progress at their bound and stopped accepting until one finished
     * (connections meanwhile wait in the kernel's accept queue): a climb means gateways arrive faster than the monitor
     * can handshake.
     */
    public long handshakeBoundReached() {
        return handshakeBoundReached.sum();
    }

    /**
     * Connections closed at once because the caps on unauthenticated connections (in all or per source) were reached.
     */
    public long unauthenticatedRefused() {
        return unauthenticatedRefused.sum();
    }

    /** Connections closed because they had not authenticated within the handshake timeout. */
    public long handshakeTimeouts() {
        return handshakeTimeouts.sum();
    }

    /** STATS reports a gateway sent again (e.g. after a reconnect): dropped, not counted twice. */
    public long reportsRepeated() {
        return reportsRepeated.sum();
    }

    /** Reports missing from a gateway's sequence (the jump between two it did send). */
    /** Reports (and events) refused because they named a volume their gateway did not declare. */
    public long reportsRefused() {
        return reportsRefused.sum();
    }

    public long reportsLost() {
        return reportsLost.sum();
    }

    /** Sessions moved from a busier thread pair to a less busy one. */
    public long sessionsMigrated() {
        return sessionsMigrated.sum();
    }

    /** Ready sessions an idle inbound thread read for a busy pair (work sharing). */
    public long sessionsShared() {
        return sessionsShared.sum();
    }

    /** Posts a pair held back because its calls in the services' mailbox took its share of the slots. */
    public long pairShareReached() {
        return pairShareReached.sum();
    }

    public long pairsAdded() {
        return pairsAdded.sum();
    }

    public long pairsRetired() {
        return pairsRetired.sum();
    }

    public long connectionsAccepted() {
        return connectionsAccepted.sum();
    }

    public long connectionsRefused() {
        return connectionsRefused.sum();
    }

    public long sessionsOpened() {
        return sessionsOpened.sum();
    }

    public long authRefused() {
        return authRefused.sum();
    }

    public long authPending() {
        return authPending.sum();
    }

    public long framesRefused() {
        return framesRefused.sum();
    }

    public long pollsSent() {
        return pollsSent.sum();
    }

    public long pollsAnswered() {
        return pollsAnswered.sum();
    }

    public long pollsSkippedBacklogged() {
        return pollsSkippedBacklogged.sum();
    }

    public long sweepsSkippedServicesBehind() {
        return sweepsSkippedServicesBehind.sum();
    }

    public long gatewayPollsRequested() {
        return gatewayPollsRequested.sum();
    }

    public long reportsForwarded() {
        return reportsForwarded.sum();
    }

    public long reportBatchesPosted() {
        return reportBatchesPosted.sum();
    }

    public long reportsDropped() {
        return reportsDropped.sum();
    }

    /** Volume records of reports the services' mailbox had no room for. */
    public long volumesDropped() {
        return volumesDropped.sum();
    }

    public long throttlesSent() {
        return throttlesSent.sum();
    }

    public long throttlesAcked() {
        return throttlesAcked.sum();
    }

    /** Writes that carried more than one frame to a gateway (message concatenation). */
    public long writesGathered() {
        return writesGathered.sum();
    }

    public long framesWritten() {
        return framesWritten.sum();
    }

    /**
     * Times a socket did not take a write whole and the outbound thread registered (or turned on) its interest in
     * writability: each an interest-set change, which a socket that keeps up never costs.
     */
    public long writabilityWatched() {
        return writabilityWatched.sum();
    }

    public long slowConsumersClosed() {
        return slowConsumersClosed.sum();
    }

    public long unreachableMarked() {
        return unreachableMarked.sum();
    }
}
