package io.sluice.protocol;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

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

    private final long gatewayId;
    private final String name;
    private final long capabilities;
    private final byte[] key;
    private final byte[] enrollmentToken;
    private final long heartbeatMillis;
    private final MonitorRotation rotation;
    private final SessionVolumes volumes;
    private final SessionCodec codec;
    private final EpochFence fence = new EpochFence();
    /** By position: the id proposed, then the one the monitor assigned (VolumeIdsDescriptor.REFUSED: left out). */
    private final int[] ids;

    private final Map<Integer, Integer> positionsById = new HashMap<>();

    private Phase phase = Phase.CLOSED;
    private long sequence;
    private long reportSequence;
    private long reportedAtMillis;
    private long lastSentMillis;
    private long lastReceivedMillis;
    private long heartbeatEcho;
    private int pollIntervalMillis;
    /** The certificate request of this connection's ENROLL, or null to AUTH. */
    private byte[] enrollmentRequest;

    private boolean renewalRequested;
    private SessionError error = SessionError.NONE;
    private FrameType errorFrame;
    private int retryAfterMillis = -1;
    private boolean atOnce;
    private AuthReason refusal = AuthReason.NONE;
    private String refusalMessage = "";
    private long offeredEpoch;
    private long eventsSent;
    private InetSocketAddress namedActive;

    /** @param startMillis when the gateway started counting: the start of its first report's interval */
    public GatewaySession(
            GatewayIdentity identity,
            long heartbeatMillis,
            MonitorRotation rotation,
            SessionVolumes volumes,
            SessionCodec codec,
            long startMillis) {
        this.gatewayId = identity.gatewayId();
        this.name = identity.name();
        this.capabilities = identity.capabilities();
        this.key = identity.key();
        this.enrollmentToken = identity.enrollmentToken();
        this.heartbeatMillis = heartbeatMillis;
        this.rotation = rotation;
        this.volumes = volumes;
        this.codec = codec;
        this.reportedAtMillis = startMillis;
        this.ids = new int[volumes.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = volumes.proposedId(i);
        }
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
        sequence = 1;
        enrollmentRequest = certificateRequest;
        renewalRequested = false;
        error = SessionError.NONE;
        errorFrame = null;
        retryAfterMillis = -1;
        atOnce = false;
        refusal = AuthReason.NONE;
        lastReceivedMillis = nowMillis;
        ByteBuffer out = outbox.room(HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH));
        if (out == null) {
            phase = Phase.CLOSED;
            return false;
        }
        codec.hello.write(out, sequence++, gatewayId, capabilities, volumes.count(), name);
        sent(Phase.HELLO_SENT, nowMillis);
        return true;
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
            case STANDBY -> phase == Phase.HELLO_SENT ? onStandby(codec.standby.wrap(decoder)) : unexpected(type);
            case AUTH_RESULT ->
                phase == Phase.AUTH_SENT || phase == Phase.ENROLL_SENT
                        ? onAuthResult(decoder, codec.authResult.wrap(decoder), nowMillis, outbox)
                        : unexpected(type);
            case VOLUME_IDS ->
                phase == Phase.VOLUMES_SENT
                        ? onVolumeIds(codec.volumeIds.wrap(decoder), nowMillis, outbox)
                        : unexpected(type);
            case POLL -> phase == Phase.OPEN ? SessionEvent.POLL : unexpected(type);
            case THROTTLE_SET -> {
                if (phase != Phase.OPEN) {
                    yield unexpected(type);
                }
                codec.throttleSet.wrap(decoder);
                yield SessionEvent.THROTTLE_SET;
            }
            case CERTIFICATE -> {
                if (phase != Phase.ENROLL_SENT && !(phase == Phase.OPEN && renewalRequested)) {
                    yield unexpected(type);
                }
                codec.certificate.wrap(decoder);
                yield SessionEvent.CERTIFICATE;
            }
            case HEARTBEAT -> {
                heartbeatEcho = codec.heartbeatIn.wrap(decoder).sentAtMillis();
                yield SessionEvent.HEARTBEAT;
            }
            // HELLO, AUTH, STATS, THROTTLE_ACK, EVENT: a gateway's decoder refuses them as WRONG_SENDER before this.
            default -> unexpected(type);
        };
    }

    private SessionEvent answerChallenge(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        byte[] answer = Authenticator.answer(
                key, gatewayId, codec.challenge.wrap(decoder).nonce());
        boolean enrolls = enrollmentRequest != null;
        int length = enrolls
                ? EnrollDescriptor.frameLength(enrollmentToken.length, enrollmentRequest.length)
                : AuthDescriptor.frameLength(enrollmentToken.length);
        ByteBuffer out = outbox.room(length);
        if (out == null) {
            return fail(SessionError.OUTPUT_FULL, FrameType.CHALLENGE);
        }
        if (enrolls) {
            codec.enroll.write(out, sequence++, gatewayId, answer, enrollmentToken, enrollmentRequest);
        } else {
            codec.auth.write(out, sequence++, gatewayId, answer, enrollmentToken);
        }
        sent(enrolls ? Phase.ENROLL_SENT : Phase.AUTH_SENT, nowMillis);
        return SessionEvent.CHALLENGE_ANSWERED;
    }

    private SessionEvent onAuthResult(
            FrameDecoder decoder, AuthResultReader result, long nowMillis, SessionOutbox outbox) {
        AuthOutcome outcome = result.outcome();
        if (outcome == null) {
            return fail(SessionError.UNKNOWN_OUTCOME, FrameType.AUTH_RESULT);
        }
        if (outcome != AuthOutcome.ACCEPTED) {
            // At most MAX_RETRY_AFTER_MILLIS (the reader clamps): over plaintext the frame is not authenticated.
            retryAfterMillis = result.retryAfterMillis();
            refusal = result.reason();
            refusalMessage = result.message();
            return outcome == AuthOutcome.PENDING ? SessionEvent.PENDING : SessionEvent.REFUSED;
        }
        if (phase == Phase.ENROLL_SENT) {
            return fail(SessionError.ACCEPTED_ENROLLMENT, FrameType.AUTH_RESULT);
        }
        offeredEpoch = result.epoch();
        if (!fence.admit(offeredEpoch)) {
            rotation.failed();
            return SessionEvent.STALE_EPOCH;
        }
        pollIntervalMillis = result.pollIntervalMillis();
        decoder.authenticated();
        ByteBuffer out = outbox.room(VolumesDescriptor.frameLength(ids.length));
        if (out == null) {
            return fail(SessionError.OUTPUT_FULL, FrameType.AUTH_RESULT);
        }
        codec.volumes.begin(out, sequence++, gatewayId, ids.length);
        for (int i = 0; i < ids.length; i++) {
            codec.volumes.volume(i, ids[i], volumes.flags(i), volumes.sizeBytes(i), volumes.wireName(i));
        }
        codec.volumes.commit();
        sent(Phase.VOLUMES_SENT, nowMillis);
        return SessionEvent.ACCEPTED;
    }

    private SessionEvent onStandby(StandbyReader standby) {
        retryAfterMillis = standby.retryAfterMillis();
        if (standby.namesActive()) {
            namedActive = standby.activeAddress();
            atOnce = rotation.redirect(namedActive);
            return SessionEvent.STANDBY_REDIRECT;
        }
        rotation.failed();
        return SessionEvent.STANDBY_NO_ACTIVE;
    }

    private SessionEvent onVolumeIds(VolumeIdsReader assigned, long nowMillis, SessionOutbox outbox) {
        if (assigned.volumeCount() != ids.length) {
            return fail(SessionError.VOLUME_COUNT_MISMATCH, FrameType.VOLUME_IDS);
        }
        positionsById.clear();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = assigned.volumeId(i);
            if (ids[i] != VolumeIdsDescriptor.REFUSED) {
                positionsById.put(ids[i], i);
            }
            volumes.assigned(i, ids[i]);
        }
        phase = Phase.OPEN;
        lastSentMillis = nowMillis;
        rotation.opened();
        volumes.snapshot();
        sendCapacityWarnings(nowMillis, outbox);
        return SessionEvent.OPENED;
    }

    /**
     * Answers the POLL with {@code pollSequence}: STATS with the counters since the last report (split with FLAG_MORE
     * where one frame cannot hold them all), then an EVENT for each volume that crossed its warning threshold.
     *
     * @return false when the outbox had no room for the report: nothing was written and nothing counted
     */
    public boolean answerPoll(long pollSequence, long nowMillis, SessionOutbox outbox) {
        if (phase != Phase.OPEN) {
            return false;
        }
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            count += reported(i) ? 1 : 0;
        }
        int frames = Math.max(1, (count + VOLUMES_PER_STATS_FRAME - 1) / VOLUMES_PER_STATS_FRAME);
        int length = (frames - 1) * StatsDescriptor.frameLength(VOLUMES_PER_STATS_FRAME)
                + StatsDescriptor.frameLength(count - (frames - 1) * VOLUMES_PER_STATS_FRAME);
        ByteBuffer out = outbox.room(length);
        if (out == null) {
            return false;
        }
        volumes.snapshot();
        int interval = (int) Math.clamp(nowMillis - reportedAtMillis, 0, Integer.MAX_VALUE);
        long report = reportSequence + 1;
        int from = 0;
        int position = 0;
        do {
            int n = Math.min(VOLUMES_PER_STATS_FRAME, count - from);
            boolean more = from + n < count;
            codec.stats.begin(out, sequence++, gatewayId, more, report, pollSequence, reportedAtMillis, interval, n);
            for (int i = 0; i < n; i++, position++) {
                while (!reported(position)) {
                    position++;
                }
                VolumeStatsFlyweight record = codec.stats.volume(i);
                record.volumeId(ids[position]);
                volumes.report(position, record, interval);
            }
            codec.stats.commit();
            from += n;
        } while (from < count);
        volumes.reported();
        reportSequence = report;
        reportedAtMillis = nowMillis;
        lastSentMillis = nowMillis;
        sendCapacityWarnings(nowMillis, outbox);
        return true;
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
        ThrottleSetReader set = codec.throttleSet;
        int count = set.volumeCount();
        ByteBuffer out = outbox.room(ThrottleAckDescriptor.frameLength(count));
        if (out == null) {
            return ThrottleAnswer.NO_ROOM;
        }
        ThrottleAckWriter ack = codec.ack;
        ack.begin(out, sequence++, gatewayId, set.commandId(), count);
        offeredEpoch = set.epoch();
        boolean current = fence.admit(offeredEpoch);
        for (int i = 0; i < count; i++) {
            ThrottleParamsFlyweight params = set.volume(i);
            int volumeId = params.volumeId();
            int position = positionsById.getOrDefault(volumeId, -1);
            ThrottleAckStatus status;
            if (!current) {
                status = ThrottleAckStatus.STALE_EPOCH;
            } else if (position < 0) {
                status = ThrottleAckStatus.UNKNOWN_VOLUME;
            } else {
                status = volumes.apply(position, params);
            }
            ack.result(i, volumeId, status, position < 0 ? 0 : volumes.versionInForce(position));
        }
        ack.commit();
        lastSentMillis = nowMillis;
        return current ? ThrottleAnswer.ACKNOWLEDGED : ThrottleAnswer.STALE_EPOCH;
    }

    /** Whether a HEARTBEAT is due: the session is open and nothing went out for a heartbeat interval. */
    public boolean heartbeatDue(long nowMillis) {
        return phase == Phase.OPEN && nowMillis - lastSentMillis >= heartbeatMillis;
    }

    /** When the next HEARTBEAT is due if nothing else goes out first. */
    public long heartbeatAt() {
        return lastSentMillis + heartbeatMillis;
    }

    /** Sends a HEARTBEAT echoing the monitor's last; false when the outbox had no room. */
    public boolean sendHeartbeat(long nowMillis, SessionOutbox outbox) {
        ByteBuffer out = outbox.room(HeartbeatDescriptor.FRAME_LENGTH);
        if (out == null) {
            return false;
        }
        codec.heartbeat.write(out, sequence++, gatewayId, nowMillis, heartbeatEcho);
        lastSentMillis = nowMillis;
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
        return Math.max(3L * heartbeatMillis, 4L * Math.max(0, pollIntervalMillis));
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
        codec.renew.write(out, sequence++, gatewayId, certificateRequest);
        renewalRequested = true;
        lastSentMillis = nowMillis;
        return true;
    }

    /** One EVENT per volume each time its backend crosses the warning threshold (again after dropping below). */
    private void sendCapacityWarnings(long nowMillis, SessionOutbox outbox) {
        int length = EventDescriptor.frameLength(CAPACITY_MESSAGE.length());
        for (int i = 0; i < ids.length; i++) {
            if (volumes.takeCapacityWarning(i) && reported(i)) {
                ByteBuffer out = outbox.room(length);
                if (out == null) {
                    return;
                }
                codec.event.write(
                        out,
                        sequence++,
                        gatewayId,
                        EventKind.CAPACITY_WARNING,
                        nowMillis,
                        0,
                        volumes.usedBytes(i),
                        ids[i],
                        volumes.flags(i),
                        volumes.capacityBytes(i),
                        volumes.wireName(i),
                        CAPACITY_MESSAGE);
                eventsSent++;
                lastSentMillis = nowMillis;
            }
        }
    }

    private boolean reported(int position) {
        return ids[position] != VolumeIdsDescriptor.REFUSED;
    }

    private void sent(Phase next, long nowMillis) {
        phase = next;
        lastSentMillis = nowMillis;
    }

    private SessionEvent unexpected(FrameType type) {
        return fail(SessionError.UNEXPECTED_FRAME, type);
    }

    private SessionEvent fail(SessionError why, FrameType frame) {
        error = why;
        errorFrame = frame;
        return SessionEvent.PROTOCOL_ERROR;
    }

    public Phase phase() {
        return phase;
    }

    /** Why the last {@link SessionEvent#PROTOCOL_ERROR} ended the connection. */
    public SessionError error() {
        return error;
    }

    /** For people: the last protocol error, e.g. "unexpected POLL in HELLO_SENT". */
    public String errorText() {
        return error == SessionError.UNEXPECTED_FRAME
                ? "unexpected " + errorFrame + " in " + phase
                : error.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + errorFrame + ")";
    }

    /** The retry-after of the last PENDING, REFUSED or STANDBY (clamped by its reader), or -1. */
    public int retryAfterMillis() {
        return retryAfterMillis;
    }

    /** After STANDBY_REDIRECT: the named active is dialled at once (the first redirect in a row). */
    public boolean atOnce() {
        return atOnce;
    }

    /** The message, for people, of the last AUTH_RESULT PENDING or REFUSED; empty for none. */
    public String refusalMessage() {
        return refusalMessage;
    }

    /** The active monitor the last STANDBY_REDIRECT named. */
    public InetSocketAddress namedActive() {
        return namedActive;
    }

    /** The reason of the last AUTH_RESULT PENDING or REFUSED. */
    public AuthReason refusal() {
        return refusal;
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
        return enrollmentRequest != null;
    }

    /** The CERTIFICATE of the last {@link SessionEvent#CERTIFICATE} event. */
    public CertificateReader certificate() {
        return codec.certificate;
    }

    /** The THROTTLE_SET of the last {@link SessionEvent#THROTTLE_SET} event. */
    public ThrottleSetReader throttleSet() {
        return codec.throttleSet;
    }

    /** The POLL sequence of the last {@link SessionEvent#POLL} event's frame, read from the decoder. */
    public long pollSequence(FrameDecoder decoder) {
        return codec.poll.wrap(decoder).pollSequence();
    }

    /** The last report sequence sent: it counts over the gateway's life, across connections. */
    public long reportSequence() {
        return reportSequence;
    }

    /** The volume id of the volume at {@code position}: proposed, or as the monitor assigned it. */
    public int volumeId(int position) {
        return ids[position];
    }

    /** The EVENTs written over the session's life. */
    public long eventsSent() {
        return eventsSent;
    }

    /** The sequence the next frame will carry. */
    public long nextSequence() {
        return sequence;
    }

    public long gatewayId() {
        return gatewayId;
    }
}
