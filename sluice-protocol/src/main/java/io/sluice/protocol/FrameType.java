package io.sluice.protocol;

/** Frame types, their codes on the wire (header byte 5) and who may send them. */
public enum FrameType {
    /** Gateway introduces itself: capabilities, name, how many volumes it serves. {@link HelloDescriptor} */
    HELLO(1, Peer.GATEWAY, true),
    /** Monitor's single-use nonce. {@link ChallengeDescriptor} */
    CHALLENGE(2, Peer.MONITOR, true),
    /** Gateway's HMAC over the nonce, and an optional enrollment token. {@link AuthDescriptor} */
    AUTH(3, Peer.GATEWAY, true),
    /** Accepted, pending an admin's approval, or refused. {@link AuthResultDescriptor} */
    AUTH_RESULT(4, Peer.MONITOR, true),
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
    EVENT(10, Peer.GATEWAY),
    /** The volumes the gateway serves, once accepted. {@link VolumesDescriptor} */
    VOLUMES(11, Peer.GATEWAY),
    /** The ids the server assigned to those volumes: the session is open. {@link VolumeIdsDescriptor} */
    VOLUME_IDS(12, Peer.MONITOR),
    /**
     * A gateway without a client certificate: its answer, an enrollment token and a certificate request.
     * {@link EnrollDescriptor}
     */
    ENROLL(13, Peer.GATEWAY, true),
    /** An authenticated gateway's request for a new certificate before its own expires. {@link RenewDescriptor} */
    RENEW(14, Peer.GATEWAY),
    /** The certificate issued for ENROLL or RENEW, or why none was. {@link CertificateDescriptor} */
    CERTIFICATE(15, Peer.MONITOR, true),
    /**
     * A standby monitor's answer to HELLO, instead of CHALLENGE: not the active one; the active's address, or none
     * known yet. {@link StandbyDescriptor}
     */
    STANDBY(16, Peer.MONITOR, true);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    /** The only peer that sends this type, or null when both do. */
    private final Peer sender;
    /** Whether the frame belongs to the handshake, the only frames a receiver takes before authentication. */
    private final boolean handshake;

    FrameType(int code, Peer sender) {
        this(code, sender, false);
    }

    FrameType(int code, Peer sender, boolean handshake) {
        this.code = code;
        this.sender = sender;
        this.handshake = handshake;
    }

    public boolean isHandshake() {
        return handshake;
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
