package io.sluice.protocol;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The handshake phase of a {@link GatewaySession} (SESSION.md, HELLO to ACCEPTED): HELLO, the answer to CHALLENGE
 * (AUTH, or ENROLL on a connection that enrolls), and what AUTH_RESULT and STANDBY say. It keeps what a connection that
 * ended in the handshake leaves its caller to act on: the refusal and its retry-after, the active a standby named, and
 * the protocol error of the last connection whatever its phase.
 */
final class SessionHandshake {
    private final SessionWire wire;
    private final GatewaySession.GatewayIdentity identity;
    private final int volumeCount;
    private final MonitorRotation rotation;
    private final EpochFence fence;

    /** The certificate request of this connection's ENROLL, or null to AUTH. */
    private byte[] enrollmentRequest;

    private SessionError error = SessionError.NONE;
    private FrameType errorFrame;
    private int retryAfterMillis = -1;
    private boolean atOnce;
    private AuthReason refusal = AuthReason.NONE;
    private String refusalMessage = "";
    private int pollIntervalMillis;
    private InetSocketAddress namedActive;

    SessionHandshake(
            SessionWire wire,
            GatewaySession.GatewayIdentity identity,
            int volumeCount,
            MonitorRotation rotation,
            EpochFence fence) {
        this.wire = wire;
        this.identity = identity;
        this.volumeCount = volumeCount;
        this.rotation = rotation;
        this.fence = fence;
    }

    /** A new connection: forgets the last one's outcome and sends HELLO; false when the outbox had no room. */
    boolean sendHello(long nowMillis, SessionOutbox outbox, byte[] certificateRequest) {
        wire.restart();
        enrollmentRequest = certificateRequest;
        error = SessionError.NONE;
        errorFrame = null;
        retryAfterMillis = -1;
        atOnce = false;
        refusal = AuthReason.NONE;
        ByteBuffer out = outbox.room(HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH));
        if (out == null) {
            return false;
        }
        wire.codec.hello.write(
                out, wire.next(), identity.gatewayId(), identity.capabilities(), volumeCount, identity.name());
        wire.sent(nowMillis);
        return true;
    }

    /** Answers the CHALLENGE with AUTH (or ENROLL when {@link #enrolling()}): CHALLENGE_ANSWERED or PROTOCOL_ERROR. */
    SessionEvent answerChallenge(FrameDecoder decoder, long nowMillis, SessionOutbox outbox) {
        byte[] token = identity.enrollmentToken();
        byte[] answer = Authenticator.answer(
                identity.key(),
                identity.gatewayId(),
                wire.codec.challenge.wrap(decoder).nonce());
        boolean enrolls = enrolling();
        int length = enrolls
                ? EnrollDescriptor.frameLength(token.length, enrollmentRequest.length)
                : AuthDescriptor.frameLength(token.length);
        ByteBuffer out = outbox.room(length);
        if (out == null) {
            return fail(SessionError.OUTPUT_FULL, FrameType.CHALLENGE);
        }
        if (enrolls) {
            wire.codec.enroll.write(out, wire.next(), identity.gatewayId(), answer, token, enrollmentRequest);
        } else {
            wire.codec.auth.write(out, wire.next(), identity.gatewayId(), answer, token);
        }
        wire.sent(nowMillis);
        return SessionEvent.CHALLENGE_ANSWERED;
    }

    /**
     * Takes AUTH_RESULT: PENDING or REFUSED (with the retry-after and reason kept), STALE_EPOCH, PROTOCOL_ERROR, or
     * ACCEPTED, after which the decoder takes the session's frames and the caller sends VOLUMES.
     */
    SessionEvent onAuthResult(FrameDecoder decoder) {
        AuthResultReader result = wire.codec.authResult.wrap(decoder);
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
        if (enrolling()) {
            return fail(SessionError.ACCEPTED_ENROLLMENT, FrameType.AUTH_RESULT);
        }
        if (!fence.admit(result.epoch())) {
            rotation.failed();
            return SessionEvent.STALE_EPOCH;
        }
        pollIntervalMillis = result.pollIntervalMillis();
        decoder.authenticated();
        return SessionEvent.ACCEPTED;
    }

    /** Takes STANDBY: STANDBY_REDIRECT to the active it names, or STANDBY_NO_ACTIVE. */
    SessionEvent onStandby(FrameDecoder decoder) {
        StandbyReader standby = wire.codec.standby.wrap(decoder);
        retryAfterMillis = standby.retryAfterMillis();
        if (standby.namesActive()) {
            namedActive = standby.activeAddress();
            atOnce = rotation.redirect(namedActive);
            return SessionEvent.STANDBY_REDIRECT;
        }
        rotation.failed();
        return SessionEvent.STANDBY_NO_ACTIVE;
    }

    /** Records why the connection ends on a frame that breaks SESSION.md. */
    SessionEvent fail(SessionError why, FrameType frame) {
        error = why;
        errorFrame = frame;
        return SessionEvent.PROTOCOL_ERROR;
    }

    boolean enrolling() {
        return enrollmentRequest != null;
    }

    SessionError error() {
        return error;
    }

    FrameType errorFrame() {
        return errorFrame;
    }

    int retryAfterMillis() {
        return retryAfterMillis;
    }

    boolean atOnce() {
        return atOnce;
    }

    AuthReason refusal() {
        return refusal;
    }

    String refusalMessage() {
        return refusalMessage;
    }

    /** The poll interval the last ACCEPTED said, 0 before any. */
    int pollIntervalMillis() {
        return pollIntervalMillis;
    }

    InetSocketAddress namedActive() {
        return namedActive;
    }
}
