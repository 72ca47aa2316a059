package io.sluice.gateway.link;

import io.sluice.gateway.Gateway;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.CertificateReader;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EpochFence;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.GatewaySession;
import io.sluice.protocol.MonitorAddress;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.Peer;
import io.sluice.protocol.SessionCodec;
import io.sluice.protocol.SessionEvent;
import io.sluice.protocol.SessionOutbox;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The gateway's side of the monitor protocol (sluice-protocol's SESSION.md), on one platform thread
 * ({@code sluice-monitor-link}) with a blocking socket. The session itself, frame by frame, is a {@link GatewaySession}
 * (the same one the simulator drives); this class keeps the socket, TLS, certificates, back-off and status, and
 * {@link LinkVolumes} the exports' statistics and throttles:
 *
 * <pre>
 *   CONNECTING --connect--> HANDSHAKE: HELLO / CHALLENGE -> AUTH / AUTH_RESULT
 *                           (without a certificate yet: CHALLENGE -> ENROLL / CERTIFICATE, close, CONNECTING;
 *                            from a standby: STANDBY naming the active, close, CONNECTING to it at once)
 *        ^                      | ACCEPTED: VOLUMES (every export)  | PENDING, REFUSED (with a retry-after,
 *        |                      | / VOLUME_IDS                      v  at most 5 minutes whatever it says)
 *   BACKING_OFF <--broken-- IN_SESSION: POLL -> STATS,          BACKING_OFF (max(retry-after, backoff))
 *   (100 ms .. 10 s,        THROTTLE_SET -> apply -> THROTTLE_ACK,
 *    doubled, jittered)     HEARTBEAT when idle, EVENT on capacity warnings
 * </pre>
 *
 * <p><b>Which monitor.</b> The configured monitors are tried in turn ({@link MonitorRotation}): a failed attempt or a
 * broken session moves on to the next; a standby's STANDBY naming the active sends the link there next (at once the
 * first time in a row, after the back-off if standbys keep naming each other); "no active known" waits its retry-after
 * (or the back-off) and moves on.
 *
 * <p><b>Fencing.</b> The link keeps the newest fencing epoch it has seen ({@link EpochFence}). A monitor whose
 * AUTH_RESULT ACCEPTED says an older one belongs to a server that lost its lease: the link leaves before sending
 * VOLUMES and moves on. A THROTTLE_SET of an older epoch is acknowledged STALE_EPOCH for every volume and changes
 * nothing (fail-static). Both are counted ({@link LinkStatus#staleEpochRefusals()}).
 *
 * <p><b>Certificates.</b> An enrolled gateway ({@link LinkIdentity}) without a certificate enrolls for one with its
 * token and connects again with it at once; in session, two thirds into the certificate's life, it sends RENEW once per
 * connection and installs the answer for its next connection.
 *
 * <p>A session also ends when the monitor sends nothing for max(3 heartbeat intervals, 4 poll intervals): a hung
 * monitor, or a network that drops packets without resetting the connection.
 *
 * <p><b>Volume ids.</b> A volume's id on the wire is its export's position in the configuration, from 1
 * ({@code Export.id() + 1}): config-file exports first, in file order, then command-line exports. Keep the order stable
 * across restarts (append new exports at the end) so the monitor's history stays with the right volume.
 *
 * <p><b>Fail-static.</b> Nothing is undone when the monitor goes away: the limits in force stay until a newer
 * THROTTLE_SET arrives. The link reconnects with exponential backoff and jitter; a session that was accepted resets the
 * backoff. After a reconnect the monitor re-syncs by sending its current sets; repeats are acknowledged
 * ALREADY_APPLIED. A monitor whose versions restart below the ones in force gets STALE acks with the version in force,
 * which tells it where to continue.
 *
 * <p><b>Versions.</b> The monitor's set versions go straight to {@code QosControl.apply}. The config file's limits are
 * in force at version 0 at start, so any monitor version wins; while a monitor is configured, the config file watcher
 * does not re-apply the file's QoS (see {@code GatewayMain}).
 *
 * <p><b>Reports.</b> Each STATS carries the counters since the previous report (see {@link ReportBaseline}); the report
 * sequence counts for the process lifetime, across reconnects, so the monitor can tell a lost report from a reconnect.
 * Reports larger than a frame are split with FLAG_MORE.
 *
 * <p>Threads: the link thread owns the socket, the decoder, the session and the baselines; {@link #status()} reads
 * volatile fields from any thread; {@link #close()} closes the socket to wake the thread and joins it.
 */
public final class MonitorLink implements AutoCloseable, SessionOutbox {
    private static final System.Logger LOG = System.getLogger(MonitorLink.class.getName());
    /** How often a blocked read wakes up to check the heartbeat and the handshake deadline. */
    private static final int TICK_MILLIS = 100;

    private static final long CAPABILITIES = Capabilities.SPLIT_READ_WRITE
            | Capabilities.BURST
            | Capabilities.SIZE_NORMALIZATION
            | Capabilities.RESERVATION
            | Capabilities.WEIGHT;

    private final MonitorLinkConfig config;
    private final LinkVolumes volumes;
    /** Link thread only, like everything it holds: the rotation, the fence, the report sequence, the volume ids. */
    private final GatewaySession session;

    private final Thread thread;
    private final byte[] readBuffer = new byte[64 * 1024];
    /** What the session wrote, until {@link #flush}; grows to the largest report. */
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);

    private volatile boolean running = true;
    private volatile Socket socket;
    private volatile LinkState state = LinkState.CONNECTING;
    private volatile String lastError;
    private volatile long sessions;
    private volatile long connectFailures;
    private volatile long reportSequence;
    private volatile long throttleSetsAcked;
    private volatile long heartbeatsSent;
    private volatile long eventsSent;
    private volatile String monitor;
    private volatile long standbyReferrals;
    private volatile long epoch;
    private volatile long staleEpochRefusals;

    // Link thread only.
    private int failuresInARow;
    /** This connection is for enrolling (ENROLL instead of AUTH): the gateway has no certificate yet. */
    private boolean enrolling;
    /** The enrollment gave a certificate: reconnect at once, not after a backoff. */
    private boolean enrolled;
    /** A standby named the active, to be dialled at once rather than after a back-off. */
    private boolean redirectAtOnce;

    private long lastReceivedNanos;

    private MonitorLink(MonitorLinkConfig config, Gateway gateway) {
        this.config = config;
        this.volumes = new LinkVolumes(config, gateway);
        MonitorRotation rotation = new MonitorRotation(config.addresses());
        this.session = new GatewaySession(
                new GatewaySession.GatewayIdentity(
                        config.gatewayId(), config.gatewayName(), CAPABILITIES, config.key(), config.enrollmentToken()),
                config.heartbeatMillis(),
                rotation,
                volumes,
                new SessionCodec(),
                System.currentTimeMillis());
        this.monitor = MonitorAddress.format(rotation.current());
        this.thread = Thread.ofPlatform().name("sluice-monitor-link").daemon().unstarted(this::run);
    }

    /** Starts the link thread; it connects at once. */
    public static MonitorLink start(MonitorLinkConfig config, Gateway gateway) {
        MonitorLink link = new MonitorLink(config, gateway);
        link.thread.start();
        return link;
    }

    /**
     * The id the gateway proposes for the export with {@code exportId} when its volume ids start above {@code base}.
     */
    public static int volumeId(int base, int exportId) {
        return base + exportId + 1;
    }

    /**
     * The link's counters as the link thread last published them. A report or an ack is counted after its frame is
     * written (a frame that could not be written is not counted), so the monitor may see a frame a moment before
     * {@code status()} counts it.
     */
    public LinkStatus status() {
        return new LinkStatus(
                state,
                sessions,
                connectFailures,
                reportSequence,
                throttleSetsAcked,
                volumes.applied(),
                heartbeatsSent,
                eventsSent,
                lastError,
                monitor,
                standbyReferrals,
                epoch,
                staleEpochRefusals);
    }

    public LinkState state() {
        return state;
    }

    public MonitorLinkConfig config() {
        return config;
    }

    @Override
    public void close() {
        running = false;
        closeSocket();
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = LinkState.STOPPED;
    }

    private void run() {
        while (running) {
            long delayMillis;
            state = LinkState.CONNECTING;
            try (Socket s = new Socket()) {
                socket = s;
                if (!running) {
                    break;
                }
                InetSocketAddress address = session.monitor();
                monitor = MonitorAddress.format(address);
                if (address.isUnresolved()) {
                    address = new InetSocketAddress(address.getHostString(), address.getPort());
                }
                LinkIdentity identity = config.tls();
                enrolling = identity != null && !identity.hasCertificate();
                if (enrolling && config.enrollmentToken().length == 0) {
                    throw new IOException(
                            "no valid client certificate in " + identity.directory()
                                    + (identity.certificate() == null
                                            ? ""
                                            : " (" + LinkIdentity.CERTIFICATE_FILE + " expired on "
                                                    + identity.certificate()
                                                            .getNotAfter()
                                                            .toInstant() + ")")
                                    + " and no enrollment token to enroll for one (monitor.enrollment-token or --enrollment-token-file)");
                }
                s.connect(address, config.connectTimeoutMillis());
                s.setTcpNoDelay(true);
                delayMillis = identity == null ? converse(s) : converse(startTls(s, address, identity.context()));
            } catch (IOException | RuntimeException e) {
                if (running) {
                    lastError = monitor + ": " + e;
                }
                session.connectionFailed();
                delayMillis = -1;
            } finally {
                socket = null;
            }
            if (!running) {
                break;
            }
            if (enrolled) {
                // A certificate instead of a session: connect again at once, with it.
                enrolled = false;
                failuresInARow = 0;
                continue;
            }
            if (redirectAtOnce) {
                // A standby named the active: go there now; the takeover's clock is running.
                redirectAtOnce = false;
                continue;
            }
            connectFailures++;
            long backoff = backoff();
            failuresInARow++;
            state = LinkState.BACKING_OFF;
            sleep(Math.max(delayMillis, backoff));
        }
        state = LinkState.STOPPED;
    }

    /** Next delay: min * 2^failures, capped, drawn in [delay / 2, delay]. */
    private long backoff() {
        long delay = config.backoffMinMillis() << Math.min(failuresInARow, 30);
        delay = Math.min(Math.max(delay, config.backoffMinMillis()), config.backoffMaxMillis());
        long half = Math.max(1, delay / 2);
        return delay - half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    private void sleep(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (running && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * TLS 1.3 over the connected socket: the monitor must prove a certificate for the name or address the gateway
     * dialled, signed by the configured authority; the gateway proves its own, unless it is enrolling for one. Within
     * the connect timeout.
     */
    private Socket startTls(Socket s, InetSocketAddress address, SSLContext context) throws IOException {
        SSLSocket tls = (SSLSocket)
                context.getSocketFactory().createSocket(s, address.getHostString(), address.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setProtocols(new String[] {TlsContexts.PROTOCOL});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        socket = tls;
        tls.setSoTimeout(config.connectTimeoutMillis());
        tls.startHandshake();
        return tls;
    }

    /**
     * One connection, until it ends.
     *
     * @return a retry-after the monitor asked for (ms), or -1
     */
    private long converse(Socket s) throws IOException {
        s.setSoTimeout(TICK_MILLIS);
        InputStream in = s.getInputStream();
        OutputStream output = s.getOutputStream();
        FrameDecoder decoder = FrameDecoder.forConnection(
                Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, config.gatewayId());
        state = LinkState.HANDSHAKE;
        out.clear();
        session.connected(
                System.currentTimeMillis(), this, enrolling ? config.tls().certificateRequest() : null);
        flush(output);
        long handshakeDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMillis());
        while (running) {
            int n;
            try {
                n = in.read(readBuffer);
            } catch (SocketTimeoutException e) {
                n = 0;
            }
            if (n < 0) {
                decoder.endOfStream();
            } else if (n > 0) {
                lastReceivedNanos = System.nanoTime();
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
            tick(handshakeDeadline, output);
        }
        return -1;
    }

    /** Between reads: the handshake's deadline, a silent monitor, a heartbeat due, a certificate to renew. */
    private void tick(long handshakeDeadline, OutputStream output) throws IOException {
        long nanos = System.nanoTime();
        if (state == LinkState.HANDSHAKE && nanos - handshakeDeadline > 0) {
            throw new IOException("handshake timed out");
        }
        if (state != LinkState.IN_SESSION) {
            return;
        }
        if (nanos - lastReceivedNanos > TimeUnit.MILLISECONDS.toNanos(session.silenceLimitMillis())) {
            throw new IOException(
                    "monitor silent for " + TimeUnit.NANOSECONDS.toMillis(nanos - lastReceivedNanos) + " ms");
        }
        long now = System.currentTimeMillis();
        if (session.heartbeatDue(now) && session.sendHeartbeat(now, this)) {
            flush(output);
            heartbeatsSent++;
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
        DecodeStatus status;
        while ((status = decoder.next()) == DecodeStatus.FRAME) {
            long now = System.currentTimeMillis();
            SessionEvent event = session.onFrame(decoder, now, this);
            Long retry = switch (event) {
                case CHALLENGE_ANSWERED, HEARTBEAT -> null;
                case ACCEPTED -> {
                    epoch = session.epoch();
                    yield null;
                }
                case OPENED -> opened();
                case POLL -> {
                    session.answerPoll(session.pollSequence(decoder), now, this);
                    reportSequence = session.reportSequence();
                    eventsSent = session.eventsSent();
                    yield null;
                }
                case THROTTLE_SET -> throttleSet(now);
                case CERTIFICATE -> onCertificate(session.certificate());
                case STALE_EPOCH -> {
                    staleEpochRefusals++;
                    yield ended(
                            "monitor " + monitor + " is at epoch " + session.offeredEpoch()
                                    + ", older than epoch " + session.epoch()
                                    + " seen: its server lost the lease; trying the next monitor",
                            -1L);
                }
                case PENDING, REFUSED -> refused(event);
                case STANDBY_REDIRECT -> {
                    standbyReferrals++;
                    redirectAtOnce = session.atOnce();
                    yield ended(
                            "monitor " + monitor + " is a standby; the active is "
                                    + MonitorAddress.format(session.namedActive()),
                            -1L);
                }
                case STANDBY_NO_ACTIVE -> {
                    standbyReferrals++;
                    int retryAfter = session.retryAfterMillis();
                    yield ended(
                            "monitor " + monitor + " is a standby and knows no active yet",
                            retryAfter > 0 ? retryAfter : -1L);
                }
                case PROTOCOL_ERROR -> throw new IOException(session.errorText());
            };
            flush(output);
            if (retry != null) {
                return retry;
            }
        }
        if (status == DecodeStatus.ERROR) {
            throw new IOException("bad frame from monitor: " + decoder.error() + " (" + decoder.errorValue() + ")");
        }
        if (status == DecodeStatus.END_OF_STREAM) {
            throw new IOException("monitor closed the connection");
        }
        return null;
    }

    private Long opened() {
        state = LinkState.IN_SESSION;
        sessions++;
        failuresInARow = 0;
        lastError = null;
        lastReceivedNanos = System.nanoTime();
        eventsSent = session.eventsSent();
        return null;
    }

    private Long throttleSet(long now) {
        GatewaySession.ThrottleAnswer answer = session.answerThrottleSet(now, this);
        throttleSetsAcked++;
        epoch = session.epoch();
        if (answer == GatewaySession.ThrottleAnswer.STALE_EPOCH) {
            staleEpochRefusals++;
            lastError = "refused a throttle set of epoch " + session.offeredEpoch() + " from " + monitor + ": epoch "
                    + session.epoch() + " seen; the parameters in force stay";
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
        }
        return null;
    }

    private Long refused(SessionEvent event) {
        AuthReason reason = session.refusal();
        String message = session.refusalMessage();
        lastError = "monitor answered " + event + " (" + reason + ")"
                + (message.isEmpty() ? "" : ": " + message)
                + (reason == AuthReason.CERTIFICATE_REQUIRED
                        ? ": this gateway has no client "
                                + "certificate; configure tls-cert and tls-key, or state-dir and an enrollment token"
                        : "");
        LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
        // At most MAX_RETRY_AFTER_MILLIS (the reader clamps): the frame is not authenticated.
        int retryAfter = session.retryAfterMillis();
        return retryAfter > 0 ? (long) retryAfter : (long) config.backoffMaxMillis();
    }

    private Long ended(String error, long retry) {
        lastError = error;
        LOG.log(System.Logger.Level.INFO, "monitor link: " + lastError);
        return retry;
    }

    /**
     * The monitor's answer to ENROLL (then the connection ends: a retry-after, 0 to connect again at once with the
     * certificate) or to RENEW (the session goes on: null).
     */
    private Long onCertificate(CertificateReader answer) {
        boolean enrollment = session.enrolling();
        if (answer.reason() != AuthReason.NONE) {
            lastError = "the monitor issued no certificate (" + answer.reason() + ")";
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
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
            lastError = "certificate not installed: " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
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

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing to wake the link thread
            }
        }
    }
}
