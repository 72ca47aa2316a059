package io.sluice.protocol;

/** What one frame from the monitor did to a {@link GatewaySession}; the ending ones end the connection. */
public enum SessionEvent {
    /** AUTH (or ENROLL) went out. */
    CHALLENGE_ANSWERED(false),
    /** AUTH_RESULT ACCEPTED at a current epoch: VOLUMES went out. */
    ACCEPTED(false),
    /** VOLUME_IDS: the session is open; capacity warnings went out. */
    OPENED(false),
    /** A POLL, to answer with {@link GatewaySession#answerPoll} (now, later or never). */
    POLL(false),
    /** A THROTTLE_SET, to answer with {@link GatewaySession#answerThrottleSet} while the frame is current. */
    THROTTLE_SET(false),
    HEARTBEAT(false),
    /**
     * A CERTIFICATE answering ENROLL ({@link GatewaySession#enrolling()}) or RENEW: {@link GatewaySession#certificate}.
     */
    CERTIFICATE(false),
    /** AUTH_RESULT ACCEPTED at an older epoch than one seen: its server lost the lease; on to the next monitor. */
    STALE_EPOCH(true),
    /** AUTH_RESULT PENDING: try again after {@link GatewaySession#retryAfterMillis()}. */
    PENDING(true),
    /** AUTH_RESULT REFUSED ({@link GatewaySession#refusal()}): try again after the retry-after. */
    REFUSED(true),
    /** STANDBY naming the active, which is dialled next ({@link GatewaySession#atOnce()} says whether at once). */
    STANDBY_REDIRECT(true),
    /** STANDBY knowing no active: the next monitor, after the retry-after. */
    STANDBY_NO_ACTIVE(true),
    /** A frame the session does not take here ({@link GatewaySession#error()}). */
    PROTOCOL_ERROR(true);

    private final boolean ends;

    SessionEvent(boolean ends) {
        this.ends = ends;
    }

    /** Whether the connection is to close. */
    public boolean ends() {
        return ends;
    }
}
