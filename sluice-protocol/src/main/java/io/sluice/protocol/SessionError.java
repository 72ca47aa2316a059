package io.sluice.protocol;

/** Why a {@link GatewaySession} ended a connection on a frame that decoded well but breaks SESSION.md. */
public enum SessionError {
    NONE,
    /** A frame of a type the monitor sends, at a point of the session where it does not belong. */
    UNEXPECTED_FRAME,
    /** VOLUME_IDS with another count of ids than VOLUMES had volumes. */
    VOLUME_COUNT_MISMATCH,
    /** AUTH_RESULT ACCEPTED for ENROLL, which only CERTIFICATE or a refusal answers. */
    ACCEPTED_ENROLLMENT,
    /** AUTH_RESULT with an outcome this version does not know. */
    UNKNOWN_OUTCOME,
    /** The caller had no room for a handshake frame. */
    OUTPUT_FULL
}
