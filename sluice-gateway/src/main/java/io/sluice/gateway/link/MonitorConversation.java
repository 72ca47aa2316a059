package io.sluice.gateway.link;

import io.sluice.common.EpochClock;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.CertificateReader;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.GatewaySession;
import io.sluice.protocol.MonitorAddress;
import io.sluice.protocol.Peer;
import io.sluice.protocol.SessionEvent;
import io.sluice.protocol.SessionOutbox;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;

/**
 * One connection of the {@link MonitorLink} to a monitor, from the first frame to its end, a read per turn of the link:
 * it reads the socket, feeds the frames to the link's {@link GatewaySession}, acts on what the session makes of them (a
 * poll answered, a throttle set applied, a certificate installed, a refusal or a referral that ends the connection),
 * writes what the session wrote, and between reads keeps the handshake's deadline, the monitor's silence limit,
 * heartbeats and renewals. The link thread's alone; what it learns for others goes to the link's
 * {@link PublishedLinkStatus}. Dialling, TLS, back-off and the choice of monitor are the link's.
 */
final class MonitorConversation implements SessionOutbox {
    /** The link's logger: its name is what operators know the link's messages by. */
    private static final System.Logger LOG = System.getLogger(MonitorLink.class.getName());
    /** How often a blocked read wakes up to check the heartbeat and the handshake deadline. */
    static final int TICK_MILLIS = 100;
    /** What {@link #turn()} answers while the connection goes on. */
    static final long GOES_ON = Long.MIN_VALUE;

    private final MonitorLinkConfig config;
    private final GatewaySession session;
    private final PublishedLinkStatus status;
    private final EpochClock clock;

    private final byte[] readBuffer = new byte[64 * 1024];
    /** What the session wrote, until {@link #flush}; grows to the largest report. */
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);

    /** The enrollment gave a certificate: reconnect at once, not after a backoff. */
    private boolean enrolled;
    /** A standby named the active, to be dialled at once rather than after a back-off. */
    private boolean redirectAtOnce;
    /** The monitor accepted a session on this connection: the link's back-off starts over. */
    private boolean opened;

    // The connection's, from begin().
    private InputStream in;
    private OutputStream output;
    private FrameDecoder decoder;
    private long handshakeDeadline;
    private long lastReceivedMillis;

    MonitorConversation(
            MonitorLinkConfig config, GatewaySession session, PublishedLinkStatus status, EpochClock clock) {
        this.config = config;
        this.session = session;
        this.status = status;
        this.clock = clock;
    }

    /**
     * Whether the last connection ended with a certificate instead of a session (then connect again at once); clears
     * it.
     */
    boolean takeEnrolled() {
        boolean was = enrolled;
        enrolled = false;
        return was;
    }

    /** Whether a standby sent the link to the active, to be dialled at once; clears it. */
    boolean takeRedirectAtOnce() {
        boolean was = redirectAtOnce;
        redirectAtOnce = false;
        return was;
    }

    /** Whether the monitor accepted a session since the last call; clears it. */
    boolean takeOpened() {
        boolean was = opened;
        opened = false;
        return was;
    }

    /**
     * Starts a conversation on a connected socket: the first frame is written, the handshake's deadline set.
     *
     * @param enrolling whether the gateway enrolls on it (it has no certificate yet)
     */
    void begin(Socket s, boolean enrolling) throws IOException {
        s.setSoTimeout(TICK_MILLIS);
        in = s.getInputStream();
        output = s.getOutputStream();
        decoder = FrameDecoder.forConnection(
                Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, config.gatewayId());
        status.state = LinkState.HANDSHAKE;
        out.clear();
        long now = clock.epochMillis();
        session.connected(now, this, enrolling ? config.tls().certificateRequest() : null);
        flush(output);
        handshakeDeadline = now + config.connectTimeoutMillis();
    }

    /**
     * One read (waiting at most {@link #TICK_MILLIS}), the frames it completes, then the timers.
     *
     * @return {@link #GOES_ON}, or the connection is over: a retry-after the monitor asked for (ms), or -1
     * @throws IOException the connection broke, or the monitor broke the protocol or the deadlines
     */
    long turn() throws IOException {
        int n;
        try {
            n = in.read(readBuffer);
        } catch (SocketTimeoutException e) {
            n = 0;
        }
        if (n < 0) {
            decoder.endOfStream();
        } else if (n > 0) {
            lastReceivedMillis = clock.epochMillis();
            ByteBuffer bytes = ByteBuffer.wrap(readBuffer, 0, n);
            while (bytes.hasRemaining()) {
                decoder.feed(bytes);
                Long retry = drain(decoder, output);
                if (retry != null) {
                    return retry;
                }
            }
        }
        if (n < 0) {
            Long retry = drain(decoder, output);
            if (retry != null) {
                return retry;
            }
            throw new IOException("monitor closed the connection");
        }
        tick();
        return GOES_ON;
    }

    /** Between reads: the handshake's deadline, a silent monitor, a heartbeat due, a certificate to renew. */
    private void tick() throws IOException {
        long now = clock.epochMillis();
        if (status.state == LinkState.HANDSHAKE && now - handshakeDeadline > 0) {
            throw new IOException("handshake timed out");
        }
        if (status.state != LinkState.IN_SESSION) {
            return;
        }
        if (now - lastReceivedMillis > session.silenceLimitMillis()) {
            throw new IOException("monitor silent for " + (now - lastReceivedMillis) + " ms");
        }
        if (session.heartbeatDue(now) && session.sendHeartbeat(now, this)) {
            flush(output);
            status.heartbeatsSent++;
        }
        LinkIdentity identity = config.tls();
        if (identity != null
                && identity.isEnrolled()
                && identity.renewalDue()
                && session.requestRenewal(identity.certificateRequest(), now, this)) {
            flush(output);
            LOG.log(
                    System.Logger.Level.INFO,
                    "monitor link: certificate "
                            + identity.certificate().getSerialNumber().toString(16)
                            + " is two thirds through its life; asked the monitor to renew it");
        }
    }

    /** Handles every whole frame received; returns a retry-after when the connection is to end, else null. */
    private Long drain(FrameDecoder decoder, OutputStream output) throws IOException {
        DecodeStatus decoded;
        while ((decoded = decoder.next()) == DecodeStatus.FRAME) {
            long now = clock.epochMillis();
            SessionEvent event = session.onFrame(decoder, now, this);
            Long retry = switch (event) {
                case CHALLENGE_ANSWERED, HEARTBEAT -> null;
                case ACCEPTED -> {
                    status.epoch = session.epoch();
                    yield null;
                }
                case OPENED -> opened();
                case POLL -> {
                    session.answerPoll(session.pollSequence(decoder), now, this);
                    status.reportSequence = session.reportSequence();
                    status.eventsSent = session.eventsSent();
                    yield null;
                }
                case THROTTLE_SET -> throttleSet(now);
                case CERTIFICATE -> onCertificate(session.certificate());
                case STALE_EPOCH -> {
                    status.staleEpochRefusals++;
                    yield ended(
                            "monitor " + status.monitor + " is at epoch " + session.offeredEpoch()
                                    + ", older than epoch " + session.epoch()
                                    + " seen: its server lost the lease; trying the next monitor",
                            -1L);
                }
                case PENDING, REFUSED -> refused(event);
                case STANDBY_REDIRECT -> {
                    status.standbyReferrals++;
                    redirectAtOnce = session.atOnce();
                    yield ended(
                            "monitor " + status.monitor + " is a standby; the active is "
                                    + MonitorAddress.format(session.namedActive()),
                            -1L);
                }
                case STANDBY_NO_ACTIVE -> {
                    status.standbyReferrals++;
                    int retryAfter = session.retryAfterMillis();
                    yield ended(
                            "monitor " + status.monitor + " is a standby and knows no active yet",
                            retryAfter > 0 ? retryAfter : -1L);
                }
                case PROTOCOL_ERROR -> throw new IOException(session.errorText());
            };
            flush(output);
            if (retry != null) {
                return retry;
            }
        }
        if (decoded == DecodeStatus.ERROR) {
            throw new IOException("bad frame from monitor: " + decoder.error() + " (" + decoder.errorValue() + ")");
        }
        if (decoded == DecodeStatus.END_OF_STREAM) {
            throw new IOException("monitor closed the connection");
        }
        return null;
    }

    private Long opened() {
        status.state = LinkState.IN_SESSION;
        status.sessions++;
        opened = true;
        status.lastError = null;
        lastReceivedMillis = clock.epochMillis();
        status.eventsSent = session.eventsSent();
        return null;
    }

    private Long throttleSet(long now) {
        GatewaySession.ThrottleAnswer answer = session.answerThrottleSet(now, this);
        status.throttleSetsAcked++;
        status.epoch = session.epoch();
        if (answer == GatewaySession.ThrottleAnswer.STALE_EPOCH) {
            status.staleEpochRefusals++;
            status.lastError = "refused a throttle set of epoch " + session.offeredEpoch() + " from " + status.monitor
                    + ": epoch " + session.epoch() + " seen; the parameters in force stay";
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + status.lastError);
        }
        return null;
    }

    private Long refused(SessionEvent event) {
        AuthReason reason = session.refusal();
        String message = session.refusalMessage();
        status.lastError = "monitor answered " + event + " (" + reason + ")"
                + (message.isEmpty() ? "" : ": " + message)
                + (reason == AuthReason.CERTIFICATE_REQUIRED
                        ? ": this gateway has no client "
                                + "certificate; configure tls-cert and tls-key, or state-dir and an enrollment token"
                        : "");
        LOG.log(System.Logger.Level.WARNING, "monitor link: " + status.lastError);
        // At most MAX_RETRY_AFTER_MILLIS (the reader clamps): the frame is not authenticated.
        int retryAfter = session.retryAfterMillis();
        return retryAfter > 0 ? (long) retryAfter : (long) config.backoffMaxMillis();
    }

    private Long ended(String error, long retry) {
        status.lastError = error;
        LOG.log(System.Logger.Level.INFO, "monitor link: " + status.lastError);
        return retry;
    }

    /**
     * The monitor's answer to ENROLL (then the connection ends: a retry-after, 0 to connect again at once with the
     * certificate) or to RENEW (the session goes on: null).
     */
    private Long onCertificate(CertificateReader answer) {
        boolean enrollment = session.enrolling();
        if (answer.reason() != AuthReason.NONE) {
            status.lastError = "the monitor issued no certificate (" + answer.reason() + ")";
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + status.lastError);
            return enrollment ? (long) config.backoffMaxMillis() : null;
        }
        try {
            X509Certificate installed = config.tls().install(answer.certificate());
            LOG.log(
                    System.Logger.Level.INFO,
                    "monitor link: " + (enrollment ? "enrolled" : "renewed") + ", certificate "
                            + installed.getSerialNumber().toString(16) + " for "
                            + installed.getSubjectX500Principal().getName()
                            + " valid until " + installed.getNotAfter().toInstant() + " in "
                            + config.tls().directory());
        } catch (IOException e) {
            status.lastError = "certificate not installed: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + status.lastError);
            return enrollment ? (long) config.backoffMaxMillis() : null;
        }
        if (enrollment) {
            enrolled = true;
            return 0L;
        }
        return null;
    }

    /** The session's room: after what is queued, growing the buffer if need be (flushed after every frame taken). */
    @Override
    public ByteBuffer room(int length) {
        if (out.remaining() < length) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + length));
            out.flip();
            larger.put(out);
            out = larger;
        }
        return out;
    }

    private void flush(OutputStream output) throws IOException {
        if (out.position() > 0) {
            output.write(out.array(), 0, out.position());
            output.flush();
        }
        out.clear();
    }
}
