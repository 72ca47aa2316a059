package io.sluice.protocol;

/**
 * What both phases of a {@link GatewaySession} write with: the frames' readers and writers, the gateway's id, the
 * sequence the next frame carries and when the last one went out (which the heartbeat is timed from).
 */
final class SessionWire {
    final SessionCodec codec;
    final long gatewayId;
    private long sequence;
    private long lastSentMillis;

    SessionWire(SessionCodec codec, long gatewayId) {
        this.codec = codec;
        this.gatewayId = gatewayId;
    }

    /** A new connection: its first frame carries sequence 1. */
    void restart() {
        sequence = 1;
    }

    /** The sequence of the frame being written; the next one carries the one after. */
    long next() {
        return sequence++;
    }

    /** The sequence the next frame will carry. */
    long peek() {
        return sequence;
    }

    void sent(long nowMillis) {
        lastSentMillis = nowMillis;
    }

    long lastSentMillis() {
        return lastSentMillis;
    }
}
