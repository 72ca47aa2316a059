package io.sluice.sim;

/**
 * The simulator's timing, in milliseconds.
 *
 * @param rampUpMillis the gateways' first connects are spread evenly over this, so a thousand gateways do not knock on
 *     the monitor's door in the same millisecond
 * @param heartbeatIntervalMillis a gateway in session sends HEARTBEAT after this long without sending anything
 * @param handshakeTimeoutMillis connect and handshake must be done within this, and a monitor that got a corrupt frame
 *     must close within this, or the gateway closes and retries
 * @param backoffMinMillis first retry delay after a failure; doubles with each failure in a row
 * @param backoffMaxMillis the delay stops doubling here
 * @param slowDelayMillis how late a {@link FaultMode#SLOW} gateway answers a poll
 * @param disconnectPeriodMillis how long a {@link FaultMode#DISCONNECT} gateway keeps a session before dropping it
 * @param malformedAfterPolls polls a {@link FaultMode#MALFORMED} gateway answers well in each session first
 */
public record SimTimings(
        long rampUpMillis,
        long heartbeatIntervalMillis,
        long handshakeTimeoutMillis,
        long backoffMinMillis,
        long backoffMaxMillis,
        long slowDelayMillis,
        long disconnectPeriodMillis,
        int malformedAfterPolls) {
    public static final SimTimings DEFAULTS = new SimTimings(1_000, 5_000, 5_000, 250, 30_000, 1_500, 10_000, 3);

    public SimTimings {
        if (rampUpMillis < 0 || malformedAfterPolls < 0) {
            throw new IllegalArgumentException("ramp-up and malformed-after-polls must not be negative");
        }
        if (heartbeatIntervalMillis <= 0
                || handshakeTimeoutMillis <= 0
                || backoffMinMillis <= 0
                || slowDelayMillis <= 0
                || disconnectPeriodMillis <= 0) {
            throw new IllegalArgumentException(
                    "heartbeat, handshake, backoff, slow and disconnect times must be positive");
        }
        if (backoffMaxMillis < backoffMinMillis) {
            throw new IllegalArgumentException("maximum backoff below the minimum: " + backoffMaxMillis);
        }
    }
}
