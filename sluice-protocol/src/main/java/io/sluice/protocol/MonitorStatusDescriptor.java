package io.sluice.protocol;

import java.util.List;

/**
 * Result of {@link MailboxOpcodes#MONITOR_STATUS}: counters of the monitor daemon, big-endian longs.
 *
 * <pre>
 *   0  sessions in session (authenticated)      40  polls answered
 *   8  connections open                          48  frames refused (connections closed for bad input)
 *  16  gateways pending approval                 56  throttle sets sent
 *  24  gateways unreachable                      64  throttle sets acknowledged
 *  32  polls sent                                72  thread pairs running
 *                                                80  reports not handed to the services (mailbox full)
 *                                                88  volume records in those reports
 *                                                96  reports lost on the way (jumps in a gateway's sequence)
 *                                               104  reports refused: they named volumes their gateway did not declare
 *                                               112  1 while the gateway registry file cannot be read (every gateway refused), else 0
 *                                               120  writes of the gateway registry file that failed
 *                                               128  gateways refused: they announced more volumes than a gateway may
 *                                               136  connections not authenticated (yet)
 *                                               144  connections closed at once: the caps on unauthenticated ones were reached
 *                                               152  connections closed: not authenticated within the handshake timeout
 *                                               160  TLS handshakes in progress now (at most the bound)
 *                                               168  times the acceptor stopped at the bound on handshakes in progress
 *                                               176  gateway certificates issued (enrollments and renewals)
 *                                               184  certificate requests refused
 *                                               192  connections waiting for a handshake place of their address
 *                                               200  connections that waited so (since the start)
 *                                               208  sessions closed because their client certificate expired
 *                                               216  volumes refused: announced shared under a name not bound to their gateway
 *                                               224  1 for a standby monitor (it sends gateways to the active), 0 for an active one
 *                                               232  the active monitor's fencing epoch (0 for a standby, and a server not in a pair)
 *                                               240  connections a standby answered with STANDBY
 * </pre>
 *
 * {@link #NAMES} names every counter in this order, as the API and /metrics show them.
 */
public final class MonitorStatusDescriptor {
    public static final int IN_SESSION_OFFSET = 0;
    public static final int CONNECTIONS_OFFSET = 8;
    public static final int PENDING_OFFSET = 16;
    public static final int UNREACHABLE_OFFSET = 24;
    public static final int POLLS_SENT_OFFSET = 32;
    public static final int POLLS_ANSWERED_OFFSET = 40;
    public static final int FRAMES_REFUSED_OFFSET = 48;
    public static final int THROTTLES_SENT_OFFSET = 56;
    public static final int THROTTLES_ACKED_OFFSET = 64;
    public static final int PAIRS_OFFSET = 72;
    public static final int REPORTS_DROPPED_OFFSET = 80;
    public static final int VOLUMES_DROPPED_OFFSET = 88;
    public static final int REPORTS_LOST_OFFSET = 96;
    public static final int REPORTS_REFUSED_OFFSET = 104;
    public static final int REGISTRY_UNUSABLE_OFFSET = 112;
    public static final int REGISTRY_WRITES_FAILED_OFFSET = 120;
    public static final int VOLUME_LIMIT_REFUSALS_OFFSET = 128;
    public static final int UNAUTHENTICATED_OFFSET = 136;
    public static final int UNAUTHENTICATED_REFUSED_OFFSET = 144;
    public static final int HANDSHAKE_TIMEOUTS_OFFSET = 152;
    public static final int HANDSHAKES_IN_PROGRESS_OFFSET = 160;
    public static final int HANDSHAKE_BOUND_REACHED_OFFSET = 168;
    public static final int CERTIFICATES_ISSUED_OFFSET = 176;
    public static final int CERTIFICATES_REFUSED_OFFSET = 184;
    public static final int HANDSHAKES_WAITING_OFFSET = 192;
    public static final int HANDSHAKES_WAITED_OFFSET = 200;
    public static final int CERTIFICATES_EXPIRED_IN_SESSION_OFFSET = 208;
    public static final int SHARED_VOLUMES_REFUSED_OFFSET = 216;
    public static final int STANDBY_OFFSET = 224;
    public static final int EPOCH_OFFSET = 232;
    public static final int STANDBY_REFERRALS_OFFSET = 240;
    public static final int LENGTH = 248;

    /** Counter {@code i} (at offset 8 x i) by name. */
    public static final List<String> NAMES = List.of(
            "inSession",
            "connections",
            "pending",
            "unreachable",
            "pollsSent",
            "pollsAnswered",
            "framesRefused",
            "throttlesSent",
            "throttlesAcked",
            "pairs",
            "reportsDropped",
            "volumesDropped",
            "reportsLost",
            "reportsRefused",
            "registryUnusable",
            "registryWritesFailed",
            "gatewaysOverVolumeLimit",
            "unauthenticated",
            "unauthenticatedRefused",
            "handshakeTimeouts",
            "handshakesInProgress",
            "handshakeBoundReached",
            "certificatesIssued",
            "certificatesRefused",
            "handshakesWaiting",
            "handshakesWaited",
            "certificatesExpiredInSession",
            "sharedVolumesRefused",
            "standby",
            "epoch",
            "standbyReferrals");

    private MonitorStatusDescriptor() {}
}
