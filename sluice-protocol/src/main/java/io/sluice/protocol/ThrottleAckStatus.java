package io.sluice.protocol;

/** What a gateway did with one volume's parameter set. */
public enum ThrottleAckStatus {
    /** The set is now in force. */
    APPLIED(1),
    /** This version was already in force; nothing changed (a resend). */
    ALREADY_APPLIED(2),
    /** A newer version is in force; the set was ignored. */
    STALE(3),
    /** The gateway serves no volume with this id. */
    UNKNOWN_VOLUME(4),
    /** The set uses a parameter the gateway did not announce in its capabilities; nothing changed. */
    UNSUPPORTED(5),
    /** The values contradict each other (e.g. a reservation above the limit); nothing changed. */
    INVALID(6),
    /**
     * The set came from an older fencing epoch than one the gateway has seen (ThrottleSetDescriptor): its server lost
     * the lease; nothing changed. Every volume of such a set gets this status.
     */
    STALE_EPOCH(7);

    private static final ThrottleAckStatus[] BY_CODE = {
        null, APPLIED, ALREADY_APPLIED, STALE, UNKNOWN_VOLUME, UNSUPPORTED, INVALID, STALE_EPOCH
    };

    private final int code;

    ThrottleAckStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status with this code, or null when there is none. */
    public static ThrottleAckStatus fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
