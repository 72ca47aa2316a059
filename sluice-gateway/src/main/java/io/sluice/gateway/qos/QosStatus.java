package io.sluice.gateway.qos;

/** Outcomes of {@link QosControl#apply}; status codes rather than exceptions, for the monitor link. */
public final class QosStatus {
    /** The new parameters are in force. */
    public static final int APPLIED = 0;
    /** The same version was applied before: nothing changed (a retried throttle set). */
    public static final int UNCHANGED = 1;
    /** An older version than the one in force: ignored (a set that arrived late). */
    public static final int STALE = 2;
    /** No volume by that name or id. */
    public static final int NO_SUCH_VOLUME = 3;
    /** The gateway runs unthrottled (pass-through), so there is nothing to apply to. */
    public static final int UNTHROTTLED = 4;

    private QosStatus() {}

    public static String name(int status) {
        return switch (status) {
            case APPLIED -> "applied";
            case UNCHANGED -> "unchanged";
            case STALE -> "stale";
            case NO_SUCH_VOLUME -> "no such volume";
            case UNTHROTTLED -> "unthrottled";
            default -> "status " + status;
        };
    }
}
