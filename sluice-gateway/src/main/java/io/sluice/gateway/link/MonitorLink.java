package io.sluice.gateway.link;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.BackoffIdleStrategy;
import io.sluice.common.EpochClock;
import io.sluice.gateway.Gateway;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.EpochFence;
import io.sluice.protocol.GatewaySession;
import io.sluice.protocol.MonitorAddress;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.SessionCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The gateway's side of the monitor protocol (sluice-protocol's SESSION.md), an {@link Agent} on an {@link AgentRunner}
 * of its own ({@code sluice-monitor-link}) with a blocking socket. The session itself, frame by frame, is a
 * {@link GatewaySession} (the same one the simulator drives); this class keeps the socket, TLS, certificates, back-off
 * and status, and {@link LinkVolumes} the exports' statistics and throttles:
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
 * <p>This class dials (the socket, TLS, the certificate to enroll with or to prove), backs off and publishes the
 * status; one connection's frames, from the handshake to its end, are a {@link MonitorConversation}'s.
 *
 * <p><b>Turns.</b> The constructor starts nothing; {@link #start()} does, and a test turns the link by hand on a
 * {@code ManualEpochClock}. A turn dials when the back-off is over (connect, TLS, the first frame), or, on a
 * connection, is one read of the socket (waiting at most {@link MonitorConversation#TICK_MILLIS}) and what it brings,
 * then the conversation's timers; a connection that ends sets the next attempt's time. The read is the wait in session;
 * while backing off the runner pauses {@link #BACKING_OFF_PAUSE_MILLIS} between turns.
 *
 * <p>Threads: the link thread owns the socket, the decoder, the session and the baselines; {@link #status()} reads
 * volatile fields ({@link PublishedLinkStatus}) from any thread; {@link #close()} closes the socket to wake the thread
 * and joins it.
 */
public final class MonitorLink implements Agent, AutoCloseable {
    static final String ROLE_NAME = "sluice-monitor-link";
    /** The runner's pause between turns with nothing to do: the resolution of the back-off. */
    static final long BACKING_OFF_PAUSE_MILLIS = 10;

    private final MonitorLinkConfig config;
    private final LinkVolumes volumes;
    /** Link thread only, like everything it holds: the rotation, the fence, the report sequence, the volume ids. */
    private final GatewaySession session;

    private final PublishedLinkStatus status;
    /** Link thread only: one connection's frames. */
    private final MonitorConversation conversation;

    private final EpochClock clock;
    private final AgentRunner runner;

    /** Set by {@link #close()} before it closes the socket, so a dial that races it closes its own. */
    private volatile boolean closing;
    /** The connection, or the one being dialled; written by the link thread, closed by {@link #close()} to wake it. */
    private volatile Socket socket;

    // Link thread only.
    private int failuresInARow;
    /** When the next attempt may dial (epoch ms): 0 at first, then the end of each back-off. */
    private long nextAttemptAt;

    /** A link that starts nothing: {@link #start()} runs it, or a test turns it with {@link #doWork}. */
    public MonitorLink(MonitorLinkConfig config, Gateway gateway, EpochClock clock) {
        this.config = config;
        this.clock = clock;
        this.volumes = new LinkVolumes(config, gateway);
        MonitorRotation rotation = new MonitorRotation(config.addresses());
        this.session = new GatewaySession(
                new GatewaySession.GatewayIdentity(
                        config.gatewayId(),
                        config.gatewayName(),
                        Capabilities.SLUICE_GATEWAY,
                        config.key(),
                        config.enrollmentToken()),
                config.heartbeatMillis(),
                rotation,
                volumes,
                new SessionCodec(),
                clock.epochMillis());
        this.status = new PublishedLinkStatus(MonitorAddress.format(rotation.current()));
        this.conversation = new MonitorConversation(config, session, status, clock);
        this.runner = new AgentRunner(
                this, BackoffIdleStrategy.fixedPause(TimeUnit.MILLISECONDS.toNanos(BACKING_OFF_PAUSE_MILLIS)), clock);
    }

    /** A link on the system clock, started: it connects at once. */
    public static MonitorLink start(MonitorLinkConfig config, Gateway gateway) {
        return new MonitorLink(config, gateway, EpochClock.system()).start();
    }

    /** Starts the link thread; it connects at once. Returns this. */
    public MonitorLink start() {
        runner.start();
        return this;
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
        return status.snapshot(volumes.applied());
    }

    public LinkState state() {
        return status.state;
    }

    public MonitorLinkConfig config() {
        return config;
    }

    /**
     * One turn: on a connection, one read and what it brings (1: the read was the wait); without one, a dial if the
     * back-off is over (1), else nothing (0).
     */
    @Override
    public int doWork(long nowMillis) {
        if (socket != null) {
            converse();
            return 1;
        }
        if (nowMillis < nextAttemptAt) {
            return 0;
        }
        dial();
        return 1;
    }

    /** Closes the connection, if any; the link is STOPPED. */
    @Override
    public void onClose() {
        closeSocket();
        socket = null;
        status.state = LinkState.STOPPED;
    }

    @Override
    public String roleName() {
        return ROLE_NAME;
    }

    /** Stops the link: closes the socket to wake a blocked connect or read, and joins the thread (bounded). */
    @Override
    public void close() {
        closing = true;
        closeSocket();
        runner.closeKeepingInterrupt();
        status.state = LinkState.STOPPED;
    }

    /** Connects to the monitor the session names, with TLS if configured, and starts a conversation on it. */
    private void dial() {
        status.state = LinkState.CONNECTING;
        Socket s = new Socket();
        socket = s;
        if (closing) {
            onClose();
            return;
        }
        try {
            InetSocketAddress address = session.monitor();
            status.monitor = MonitorAddress.format(address);
            if (address.isUnresolved()) {
                address = new InetSocketAddress(address.getHostString(), address.getPort());
            }
            LinkIdentity identity = config.tls();
            boolean enrolling = identity != null && !identity.hasCertificate();
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
            conversation.begin(identity == null ? s : startTls(s, address, identity.context()), enrolling);
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    /** One read on the connection and what it brings; the connection's end, if this was it. */
    private void converse() {
        try {
            long retryAfter = conversation.turn();
            if (retryAfter != MonitorConversation.GOES_ON) {
                ended(retryAfter);
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        if (!closing) {
            status.lastError = status.monitor + ": " + e;
        }
        session.connectionFailed();
        ended(-1);
    }

    /**
     * The connection is over: closes it and decides when to dial again, at once (a certificate to use, a standby's
     * referral) or after {@code max(retryAfterMillis, backoff)}.
     */
    private void ended(long retryAfterMillis) {
        closeSocket();
        socket = null;
        if (closing) {
            return;
        }
        if (conversation.takeOpened()) {
            // An accepted session starts the back-off over.
            failuresInARow = 0;
        }
        long now = clock.epochMillis();
        if (conversation.takeEnrolled()) {
            // A certificate instead of a session: connect again at once, with it.
            failuresInARow = 0;
            atOnce(now);
            return;
        }
        if (conversation.takeRedirectAtOnce()) {
            // A standby named the active: go there now; the takeover's clock is running.
            atOnce(now);
            return;
        }
        status.connectFailures++;
        long backoff = backoff();
        failuresInARow++;
        status.state = LinkState.BACKING_OFF;
        nextAttemptAt = now + Math.max(retryAfterMillis, backoff);
    }

    private void atOnce(long nowMillis) {
        status.state = LinkState.CONNECTING;
        nextAttemptAt = nowMillis;
    }

    /** Next delay: min * 2^failures, capped, drawn in [delay / 2, delay]. */
    private long backoff() {
        long delay = config.backoffMinMillis() << Math.min(failuresInARow, 30);
        delay = Math.min(Math.max(delay, config.backoffMinMillis()), config.backoffMaxMillis());
        long half = Math.max(1, delay / 2);
        return delay - half + ThreadLocalRandom.current().nextLong(half + 1);
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
