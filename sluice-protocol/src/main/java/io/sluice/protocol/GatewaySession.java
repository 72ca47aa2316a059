package io.sluice.protocol;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The gateway's side of a monitor session (SESSION.md), without I/O: it decides what to send and how to take each frame
 * the monitor sends, and owns no socket, thread or clock. Its caller connects, reads frames with a {@link FrameDecoder}
 * and hands each whole frame to {@link #onFrame}, gives it an {@link SessionOutbox} to write into, passes the time in
 * (epoch milliseconds) and closes the connection when an event {@link SessionEvent#ends() ends} it.
 *
 * <pre>
 *   CLOSED --connected--> HELLO_SENT --CHALLENGE--> AUTH_SENT (or ENROLL_SENT) --ACCEPTED--> VOLUMES_SENT
 *                            | STANDBY                  | PENDING, REFUSED, stale epoch         | VOLUME_IDS
 *                            v                          v                                       v
 *                          (ends: redirect)           (ends)                         OPEN: POLL, THROTTLE_SET,
 *                                                                                     HEARTBEAT, CERTIFICATE
 * </pre>
 *
 * <p>What lasts across connections stays here: the report sequence, the fencing epoch ({@link EpochFence}), the monitor
 * rotation ({@link MonitorRotation}: STANDBY redirects, stale epochs and opened sessions move it; the caller calls
 * {@link #connectionFailed()} for a connection that broke) and the volume ids the monitor assigned.
 *
 * <p>This class is the phase machine: it checks each frame against the phase and hands it on to the phase's part,
 * {@link SessionHandshake} (HELLO to ACCEPTED, and why a connection ended) or {@link OpenSession} (VOLUME_IDS on:
 * STATS, THROTTLE_ACK, EVENT), which write through one {@link SessionWire}; heartbeats and renewal stay here.
 *
 * <p>One session per gateway, used by one thread at a time. Answering a POLL or a THROTTLE_SET allocates nothing.
 */
public final class GatewaySession {
    /** Where the connection is in SESSION.md. */
    public enum Phase {
        CLOSED,
        HELLO_SENT,
        AUTH_SENT,
        ENROLL_SENT,
        VOLUMES_SENT,
        OPEN
    }

    static final String CAPACITY_MESSAGE = "backend usage above the warning threshold";
    static final int VOLUMES_PER_STATS_FRAME =
            (FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH - StatsDescriptor.VOLUMES_OFFSET)
                    / StatsDescriptor.VOLUME_RECORD_LENGTH;

    private final long heartbeatMillis;
    private final MonitorRotation rotation;
    private final SessionWire wire;
    private final EpochFence fence = new EpochFence();
    private final SessionHandshake handshake;
    private final OpenSession open;

    private Phase phase = Phase.CLOSED;
    private long lastReceivedMillis;
    private long heartbeatEcho;
    private boolean renewalRequested;
    private long offeredEpoch;

    /** @param startMillis when the gateway started counting: the start of its first report's interval */
    public GatewaySession(
            GatewayIdentity identity,
            long heartbeatMillis,
            MonitorRotation rotation,
            SessionVolumes volumes,
            SessionCodec codec,
            long startMillis) {
        this.heartbeatMillis = heartbeatMillis;
        this.rotation = rotation;
        this.wire = new SessionWire(codec, identity.gatewayId());
        this.handshake = new SessionHandshake(wire, identity, volumes.count(), rotation, fence);
        this.open = new OpenSession(wire, volumes, fence, startMillis);
    }

    /** Who the gateway is on the wire: HELLO's fields and the key and token its AUTH answers with. */
    public record GatewayIdentity(long gatewayId, String name, long capabilities, byte[] key, byte[] enrollmentToken) {}

    /**
     * A connection to {@link #monitor()} is up (after TLS, if any): HELLO goes out.
     *
     * @param certificateRequest this connection enrolls for a certificate with it (ENROLL instead of AUTH), or null
     * @return false when the outbox had no room (the connection is of no use)
     */
    public boolean connected(long nowMillis, SessionOutbox outbox, byte[] certificateRequest) {
        renewalRequested = false;
        lastReceivedMillis = nowMillis;
        phase = handshake.sendHello(nowMillis, outbox, certificateRequest) ? Phase.HELLO_SENT : Phase.CLOSED;
        return phase == Phase.HELLO_SENT;
    }

    /** The connection is gone (closed after an ending event, or broken). */
    public void closed() {
        phase = Phase.CLOSED;
    }

    /** The connection broke or failed to open: the next monitor is tried next. */
    public void connectionFailed() {
        phase = Phase.CLOSED;
        rotation.failed();
    }

    /** Takes one whole frame from the monitor (the decoder's current one). */
    public SessionEvent onFrame(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        lastReceivedMillis = nowMillis;
        FrameType type = decoder.frameType();
        return switch (type) {
            case CHALLENGE ->
                phase == Phase.HELLO_SENT ? answerChallenge(decoder, nowMillis, outbox) : unexpected(type);
            case STANDBY -> phase == Phase.HELLO_SENT ? handshake.onStandby(decoder) : unexpected(type);
            case AUTH_RESULT ->
                phase == Phase.AUTH_SENT || phase == Phase.ENROLL_SENT
                        ? onAuthResult(decoder, nowMillis, outbox)
                        : unexpected(type);
            case VOLUME_IDS -> phase == Phase.VOLUMES_SENT ? onVolumeIds(decoder, nowMillis, outbox) : unexpected(type);
            case POLL -> phase == Phase.OPEN ? SessionEvent.POLL : unexpected(type);
            case THROTTLE_SET -> {
                if (phase != Phase.OPEN) {
                    yield unexpected(type);
                }
                wire.codec.throttleSet.wrap(decoder);
                yield SessionEvent.THROTTLE_SET;
            }
            case CERTIFICATE -> {
                if (phase != Phase.ENROLL_SENT && !(phase == Phase.OPEN && renewalRequested)) {
                    yield unexpected(type);
                }
                wire.codec.certificate.wrap(decoder);
                yield SessionEvent.CERTIFICATE;
            }
            case HEARTBEAT -> {
                heartbeatEcho = wire.codec.heartbeatIn.wrap(decoder).sentAtMillis();
                yield SessionEvent.HEARTBEAT;
            }
            // HELLO, AUTH, STATS, THROTTLE_ACK, EVENT: a gateway's decoder refuses them as WRONG_SENDER before this.
            default -> unexpected(type);
        };
    }

    private SessionEvent answerChallenge(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        SessionEvent event = handshake.answerChallenge(decoder, nowMillis, outbox);
        if (event == SessionEvent.CHALLENGE_ANSWERED) {
            phase = handshake.enrolling() ? Phase.ENROLL_SENT : Phase.AUTH_SENT;
        }
        return event;
    }

    private SessionEvent onAuthResult(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        SessionEvent event = handshake.onAuthResult(decoder);
        if (event == SessionEvent.ACCEPTED || event == SessionEvent.STALE_EPOCH) {
            offeredEpoch = wire.codec.authResult.epoch();
        }
        if (event != SessionEvent.ACCEPTED) {
            return event;
        }
        if (!open.sendVolumes(nowMillis, outbox)) {
            return handshake.fail(SessionError.OUTPUT_FULL, FrameType.AUTH_RESULT);
        }
        phase = Phase.VOLUMES_SENT;
        return SessionEvent.ACCEPTED;
    }

    private SessionEvent onVolumeIds(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        VolumeIdsReader assigned = wire.codec.volumeIds.wrap(decoder);
        if (assigned.volumeCount() != open.volumeCount()) {
            return handshake.fail(SessionError.VOLUME_COUNT_MISMATCH, FrameType.VOLUME_IDS);
        }
        phase = Phase.OPEN;
        rotation.opened();
        open.open(assigned, nowMillis, outbox);
        return SessionEvent.OPENED;
    }

    /**
     * Answers the POLL with {@code pollSequence}: STATS with the counters since the last report (split with FLAG_MORE
     * where one frame cannot hold them all), then an EVENT for each volume that crossed its warning threshold.
     *
     * @return false when the outbox had no room for the report: nothing was written and nothing counted
     */
    public boolean answerPoll(long pollSequence, long nowMillis, SessionOutbox outbox) {
        return phase == Phase.OPEN && open.answerPoll(pollSequence, nowMillis, outbox);
    }

    /** What {@link #answerThrottleSet} did. */
    public enum ThrottleAnswer {
        /** Every volume applied (or refused) and acknowledged. */
        ACKNOWLEDGED,
        /** An older epoch than one seen: every volume acknowledged STALE_EPOCH with the version in force. */
        STALE_EPOCH,
        /** No room for the THROTTLE_ACK: nothing applied either, so the monitor, seeing no ack, sends it again. */
        NO_ROOM
    }

    /** Applies and acknowledges the THROTTLE_SET of the last {@link SessionEvent#THROTTLE_SET} event. */
    public ThrottleAnswer answerThrottleSet(long nowMillis, SessionOutbox outbox) {
        ThrottleAnswer answer = open.answerThrottleSet(nowMillis, outbox);
        if (answer != ThrottleAnswer.NO_ROOM) {
            offeredEpoch = wire.codec.throttleSet.epoch();
        }
        return answer;
    }

    /** Whether a HEARTBEAT is due: the session is open and nothing went out for a heartbeat interval. */
    public boolean heartbeatDue(long nowMillis) {
        return phase == Phase.OPEN && nowMillis - wire.lastSentMillis() >= heartbeatMillis;
    }

    /** When the next HEARTBEAT is due if nothing else goes out first. */
    public long heartbeatAt() {
        return wire.lastSentMillis() + heartbeatMillis;
    }

    /** Sends a HEARTBEAT echoing the monitor's last; false when the outbox had no room. */
    public boolean sendHeartbeat(long nowMillis, SessionOutbox outbox) {
        ByteBuffer out = outbox.room(HeartbeatDescriptor.FRAME_LENGTH);
        if (out == null) {
            return false;
        }
        wire.codec.heartbeat.write(out, wire.next(), wire.gatewayId, nowMillis, heartbeatEcho);
        wire.sent(nowMillis);
        return true;
    }

    /**
     * Whether the open session's monitor has been silent too long: it polls every interval, so one that says nothing
     * for max(3 heartbeat intervals, 4 poll intervals) is hung or gone behind a network that drops without resetting.
     */
    public boolean monitorSilent(long nowMillis) {
        return phase == Phase.OPEN && nowMillis - lastReceivedMillis > silenceLimitMillis();
    }

    public long silenceLimitMillis() {
        return Math.max(3L * heartbeatMillis, 4L * Math.max(0, handshake.pollIntervalMillis()));
    }

    /**
     * Sends RENEW with {@code certificateRequest} (once per connection, in an open session).
     *
     * @return false when not open, already asked on this connection, or the outbox had no room
     */
    public boolean requestRenewal(byte[] certificateRequest, long nowMillis, SessionOutbox outbox) {
        if (phase != Phase.OPEN || renewalRequested) {
            return false;
        }
        ByteBuffer out = outbox.room(RenewDescriptor.frameLength(certificateRequest.length));
        if (out == null) {
            return false;
        }
        wire.codec.renew.write(out, wire.next(), wire.gatewayId, certificateRequest);
        renewalRequested = true;
        wire.sent(nowMillis);
        return true;
    }

    private SessionEvent unexpected(FrameType type) {
        return handshake.fail(SessionError.UNEXPECTED_FRAME, type);
    }

    public Phase phase() {
        return phase;
    }

    /** Why the last {@link SessionEvent#PROTOCOL_ERROR} ended the connection. */
    public SessionError error() {
        return handshake.error();
    }

    /** For people: the last protocol error, e.g. "unexpected POLL in HELLO_SENT". */
    public String errorText() {
        SessionError error = handshake.error();
        return error == SessionError.UNEXPECTED_FRAME
                ? "unexpected " + handshake.errorFrame() + " in " + phase
                : error.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + handshake.errorFrame() + ")";
    }

    /** The retry-after of the last PENDING, REFUSED or STANDBY (clamped by its reader), or -1. */
    public int retryAfterMillis() {
        return handshake.retryAfterMillis();
    }

    /** After STANDBY_REDIRECT: the named active is dialled at once (the first redirect in a row). */
    public boolean atOnce() {
        return handshake.atOnce();
    }

    /** The message, for people, of the last AUTH_RESULT PENDING or REFUSED; empty for none. */
    public String refusalMessage() {
        return handshake.refusalMessage();
    }

    /** The active monitor the last STANDBY_REDIRECT named. */
    public InetSocketAddress namedActive() {
        return handshake.namedActive();
    }

    /** The reason of the last AUTH_RESULT PENDING or REFUSED. */
    public AuthReason refusal() {
        return handshake.refusal();
    }

    /** The epoch of the last ACCEPTED or THROTTLE_SET taken (whether admitted or not). */
    public long offeredEpoch() {
        return offeredEpoch;
    }

    /** The newest fencing epoch seen, 0 before any. */
    public long epoch() {
        return fence.highest();
    }

    /** The monitor to dial next. */
    public InetSocketAddress monitor() {
        return rotation.current();
    }

    /** This connection enrolls (ENROLL instead of AUTH). */
    public boolean enrolling() {
        return handshake.enrolling();
    }

    /** The CERTIFICATE of the last {@link SessionEvent#CERTIFICATE} event. */
    public CertificateReader certificate() {
        return wire.codec.certificate;
    }

    /** The THROTTLE_SET of the last {@link SessionEvent#THROTTLE_SET} event. */
    public ThrottleSetReader throttleSet() {
        return wire.codec.throttleSet;
    }

    /** The POLL sequence of the last {@link SessionEvent#POLL} event's frame, read from the decoder. */
    public long pollSequence(FrameDecoder decoder) {
        return wire.codec.poll.wrap(decoder).pollSequence();
    }

    /** The last report sequence sent: it counts over the gateway's life, across connections. */
    public long reportSequence() {
        return open.reportSequence();
    }

    /** The volume id of the volume at {@code position}: proposed, or as the monitor assigned it. */
    public int volumeId(int position) {
        return open.volumeId(position);
    }

    /** The EVENTs written over the session's life. */
    public long eventsSent() {
        return open.eventsSent();
    }

    /** The sequence the next frame will carry. */
    public long nextSequence() {
        return wire.peek();
    }

    public long gatewayId() {
        return wire.gatewayId;
    }
}
