package io.sluice.protocol;

/** Frame types, their codes on the wire (header byte 5) and who may send them. */
public enum FrameType {
    /** Gateway introduces itself: capabilities and the volumes it serves. {@link HelloDescriptor} */
    HELLO(1, Peer.GATEWAY),
    /** Monitor's single-use nonce. {@link ChallengeDescriptor} */
    CHALLENGE(2, Peer.MONITOR),
    /** Gateway's HMAC over the nonce, and an optional enrollment token. {@link AuthDescriptor} */
    AUTH(3, Peer.GATEWAY),
    /** Accepted, pending an admin's approval, or refused. {@link AuthResultDescriptor} */
    AUTH_RESULT(4, Peer.MONITOR),
    /** Asks for the statistics gathered since the last report. {@link PollDescriptor} */
    POLL(5, Peer.MONITOR),
    /** Per-volume counters, latency histograms and capacity. {@link StatsDescriptor} */
    STATS(6, Peer.GATEWAY),
    /** Versioned throttle parameters per volume. {@link ThrottleSetDescriptor} */
    THROTTLE_SET(7, Peer.MONITOR),
    /** What the gateway did with each volume of a THROTTLE_SET. {@link ThrottleAckDescriptor} */
    THROTTLE_ACK(8, Peer.GATEWAY),
    /** Liveness when there is nothing else to send, either way. {@link HeartbeatDescriptor} */
    HEARTBEAT(9, null),
    /** Unsolicited news from the gateway. {@link EventDescriptor} */
    EVENT(10, Peer.GATEWAY);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    /** The only peer that sends this type, or null when both do. */
    private final Peer sender;

    FrameType(int code, Peer sender) {
        this.code = code;
        this.sender = sender;
    }

    public int code() {
        return code;
    }

    public boolean isSentBy(Peer peer) {
        return sender == null || sender == peer;
    }

    /** The type with this code, or null when there is none. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
