package io.sluice.protocol;

/**
 * Operation codes of the SLA server's mailboxes and what their parameter regions hold. Frames cross the mailbox as they
 * are (header included), so the monitor forwards a gateway's bytes without re-encoding them and the services decode
 * them with the same readers.
 */
public final class MailboxOpcodes {
    // ---- monitor mailbox (callee: performance monitor daemon; callers: SLA services, tools)

    /**
     * Parameters: a THROTTLE_SET frame whose header names the gateway (its sequence and command id are replaced when
     * sent). Mark idempotent: a set is versioned. The call completes when the gateway acknowledges: status
     * {@link #THROTTLE_ACKED} with the THROTTLE_ACK frame as result, or {@link #THROTTLE_STORED} when the gateway is
     * not in session (it gets the set when it reconnects).
     */
    public static final int MONITOR_THROTTLE_SET = 0x0101;
    /** Parameters: gateway id (8 bytes, big-endian). Approves a pending or unknown gateway. */
    public static final int MONITOR_APPROVE_GATEWAY = 0x0102;
    /** Parameters: gateway id (8 bytes, big-endian). Revokes a gateway and closes its session. */
    public static final int MONITOR_REVOKE_GATEWAY = 0x0103;
    /**
     * Polls every gateway in session now, outside the regular interval. Parameters: none, or the caller's interval in
     * milliseconds (8 bytes, big-endian, 1..{@link #MAX_POLL_HOLD_MILLIS}): the SLA services call it at the start of
     * each analysis interval, and the monitor then holds its own timer off for one and a half of those intervals, so
     * its sweeps follow the services' intervals while they call and its timer takes over again when they stop. The
     * mailbox's BAD_REQUEST for other parameters.
     */
    public static final int MONITOR_POLL_NOW = 0x0104;
    /** The largest interval a {@link #MONITOR_POLL_NOW} may name: an hour. */
    public static final long MAX_POLL_HOLD_MILLIS = 3_600_000;
    /** No parameters. Result: {@link MonitorStatusDescriptor}. */
    public static final int MONITOR_STATUS = 0x0105;
    /**
     * Parameters: the SHA-256 of a single-use enrollment token ({@link #ENROLLMENT_TOKEN_HASH_LENGTH} bytes; the
     * monitor never sees the token itself until a gateway presents it). OK once the monitor holds it (on disk, or in
     * the database, when it keeps its registry there), {@link #TOKEN_ALREADY_USED} if it admitted a gateway before.
     */
    public static final int MONITOR_ADD_ENROLLMENT_TOKEN = 0x0106;

    public static final int ENROLLMENT_TOKEN_HASH_LENGTH = 32;
    /**
     * Parameters: gateway id (8 bytes, big-endian), then a shared volume's name (its export name, 1..64 bytes of UTF-8,
     * to the end of the parameters). Lets the gateway serve the volume its exports flag shared under that name (join
     * the one volume of that name, report for it, receive its throttles) and closes its session, which registers again
     * with it. OK once the monitor holds it (on disk when it has a registry file); {@link #BAD_GATEWAY_ID} for gateway
     * id 0, {@link #BAD_VOLUME_NAME} for a name out of bounds.
     */
    public static final int MONITOR_BIND_SHARED_VOLUME = 0x0107;
    /**
     * Parameters as {@link #MONITOR_BIND_SHARED_VOLUME}. Takes the shared volume from the gateway (also when the
     * configuration binds it) and closes the gateway's session, which registers again without the volume.
     */
    public static final int MONITOR_UNBIND_SHARED_VOLUME = 0x0108;
    /**
     * Parameters: gateway id (8 bytes, big-endian). Polls that one gateway at the monitor's next step (an operator's
     * "fresh statistics"); its report goes to the services as any other. OK once the poll is asked for;
     * {@link #GATEWAY_NOT_IN_SESSION} when no session of that gateway is in session (unknown, pending, disconnected),
     * {@link #BAD_GATEWAY_ID} for gateway id 0 or parameters of the wrong length.
     */
    public static final int MONITOR_POLL_GATEWAY = 0x0109;
    /**
     * Parameters: a fencing epoch (8 bytes, big-endian, 0..2^63-1). A standby monitor becomes active at that epoch at
     * once, as if started with {@code --epoch}: the next HELLO gets a CHALLENGE, AUTH_RESULT and every THROTTLE_SET
     * carry the epoch. The supervisor sends it on taking the lease, which saves a monitor's start (seconds) in the
     * takeover. OK; {@link #NOT_STANDBY} from a monitor that is active already: an active monitor never changes its
     * epoch or goes back to standby while it runs (its supervisor kills it and starts a standby).
     */
    public static final int MONITOR_PROMOTE = 0x010A;

    public static final int THROTTLE_ACKED = 0;
    public static final int THROTTLE_STORED = 1;
    /** Status for APPROVE/REVOKE of a gateway id 0 or parameters of the wrong length. */
    public static final int BAD_GATEWAY_ID = 2;
    /** Status for ADD_ENROLLMENT_TOKEN of a token that was used before. */
    public static final int TOKEN_ALREADY_USED = 3;
    /** Status for BIND/UNBIND_SHARED_VOLUME of a name that is not 1..64 bytes of UTF-8. */
    public static final int BAD_VOLUME_NAME = 4;
    /** Status for POLL_GATEWAY of a gateway that has no session in session. */
    public static final int GATEWAY_NOT_IN_SESSION = 5;
    /**
     * Status for APPROVE/REVOKE/ADD_ENROLLMENT_TOKEN/BIND/UNBIND when the gateway registry lives in the database and
     * the database cannot be reached (or the registry could not be read from it): the change is not on record (a
     * revocation or unbinding is in force at this monitor all the same, and saved once the database answers). The
     * result is the monitor's reason in UTF-8. Try again later.
     */
    public static final int REGISTRY_UNAVAILABLE = 6;
    /** Status for PROMOTE of a monitor that is not a standby, or of parameters that are not one epoch. */
    public static final int NOT_STANDBY = 7;

    // ---- services mailbox (callee: SLA services; callers: monitor, application server)

    /** Parameters: a STATS frame exactly as the gateway sent it. */
    public static final int SERVICES_STATS_REPORT = 0x0201;
    /** Parameters: an EVENT frame exactly as the gateway sent it. */
    public static final int SERVICES_GATEWAY_EVENT = 0x0202;
    /** Parameters: {@link GatewayStateDescriptor}. */
    public static final int SERVICES_GATEWAY_STATE = 0x0203;
    /**
     * Parameters: a UTF-8 JSON request {@code {"op": "...", ...}} (see JSON-CALLS.md); result: UTF-8 JSON, with a
     * {@link CallStatus}. Sent to the services' query mailbox, whose slots are large.
     */
    public static final int SERVICES_JSON = 0x0204;
    /** Parameters: {@link GatewayVolumesDescriptor}: a gateway's volumes, their assigned ids and names. */
    public static final int SERVICES_GATEWAY_VOLUMES = 0x0205;
    /**
     * Parameters: {@link ReportBatchDescriptor}, several STATS frames (of one or more gateways) each as
     * {@link #SERVICES_STATS_REPORT} would carry it, taken in order. Status {@link CallStatus#OK} (once every entry's
     * samples are safe with the database manager), also when single entries were refused as damaged (counted and logged
     * by the services); {@link CallStatus#INVALID} when the whole batch was.
     */
    public static final int SERVICES_STATS_BATCH = 0x0206;

    // ---- db mailbox (callee: database manager; callers: SLA services, application server, tools)

    /**
     * Parameters: {@link SampleBatchDescriptor}. Mark idempotent: the batch id deduplicates. Status {@link CallStatus}.
     */
    public static final int DB_APPEND_SAMPLES = 0x0301;
    /** Parameters: a UTF-8 JSON request (see JSON-CALLS.md); result: UTF-8 JSON, with a {@link CallStatus}. */
    public static final int DB_JSON = 0x0302;

    private MailboxOpcodes() {}
}
