package io.sluice.sim;

/** What the simulator counts, per {@link FaultMode}; read them through a {@link SimSnapshot}. */
public enum SimCounter {
    /** TCP connects started. */
    CONNECT_ATTEMPTS,
    /** TCP connects that failed (refused, unreachable) or did not finish in time. */
    CONNECT_FAILURES,
    /** TCP connections established, the first of each gateway included. */
    CONNECTS,
    /** Connections established by a gateway that had been connected before. */
    RECONNECTS,
    AUTH_ACCEPTED,
    AUTH_PENDING,
    AUTH_REFUSED,
    /** Handshakes that did not reach AUTH_RESULT within the handshake timeout. */
    HANDSHAKE_TIMEOUTS,
    POLLS_RECEIVED,
    /** STATS sent in answer to a POLL (late ones included). */
    POLLS_ANSWERED,
    THROTTLE_SETS_RECEIVED,
    THROTTLE_SETS_ACKED,
    /** Volume parameter sets that changed the parameters in force (ack status APPLIED). */
    THROTTLE_VOLUMES_APPLIED,
    HEARTBEATS_SENT,
    HEARTBEATS_RECEIVED,
    EVENTS_SENT,
    /** Corrupt frames sent on purpose ({@link FaultMode#MALFORMED}). */
    MALFORMED_SENT,
    /** Connections dropped on purpose ({@link FaultMode#DISCONNECT}). */
    DELIBERATE_DISCONNECTS,
    /** Connections the monitor closed, or that broke. */
    CONNECTIONS_LOST,
    /** Frames from the monitor that the decoder refused, or that came when the session did not expect them. */
    PROTOCOL_ERRORS,
    /** Replies not sent because the connection's output buffer was full (the monitor is not reading). */
    OUTPUT_FULL,
    /** Sessions (accepted connections) that ended, however. */
    SESSIONS_ENDED,
    /** Gateways that stopped retrying because AUTH_RESULT said not to (retry after 0). */
    GAVE_UP,
    /** STANDBY answers: a standby monitor named the active (followed) or none known (the next monitor tried). */
    STANDBY_REFERRALS,
    /**
     * Sessions left at AUTH_RESULT and THROTTLE_SETs refused (acknowledged STALE_EPOCH) because their fencing epoch was
     * older than one the gateway had seen.
     */
    STALE_EPOCH_REFUSALS
}
