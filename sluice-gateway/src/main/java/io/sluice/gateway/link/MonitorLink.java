package io.sluice.gateway.link;

import io.sluice.gateway.Gateway;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.gateway.qos.QosStatus;
import io.sluice.gateway.stats.VolumeStats;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultReader;
import io.sluice.protocol.AuthWriter;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.CertificateReader;
import io.sluice.protocol.ChallengeReader;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EnrollWriter;
import io.sluice.protocol.EpochFence;
import io.sluice.protocol.EventDescriptor;
import io.sluice.protocol.EventKind;
import io.sluice.protocol.EventWriter;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.HeartbeatReader;
import io.sluice.protocol.HeartbeatWriter;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.HelloWriter;
import io.sluice.protocol.MonitorAddress;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollReader;
import io.sluice.protocol.RenewWriter;
import io.sluice.protocol.StandbyReader;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleAckDescriptor;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleAckWriter;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumeIdsReader;
import io.sluice.protocol.VolumesDescriptor;
import io.sluice.protocol.VolumesWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The gateway's side of the monitor protocol (sluice-protocol's SESSION.md), on one platform thread
 * ({@code sluice-monitor-link}) with a blocking socket:
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
 * <p>Threads: the link thread owns the socket, the decoder, the writers and the baselines; {@link #status()} reads
 * volatile fields from any thread; {@link #close()} closes the socket to wake the thread and joins it.
 */
public final class MonitorLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MonitorLink.class.getName());
    /** How often a blocked read wakes up to check the heartbeat and the handshake deadline. */
    private static final int TICK_MILLIS = 100;

    private static final long CAPABILITIES = Capabilities.SPLIT_READ_WRITE
            | Capabilities.BURST
            | Capabilities.SIZE_NORMALIZATION
            | Capabilities.RESERVATION
            | Capabilities.WEIGHT;
    private static final String CAPACITY_MESSAGE = "backend usage above the warning threshold";
    private static final int VOLUMES_PER_STATS_FRAME =
            (FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH - StatsDescriptor.VOLUMES_OFFSET)
                    / StatsDescriptor.VOLUME_RECORD_LENGTH;

    private final MonitorLinkConfig config;
    private final Gateway gateway;
    private final Export[] exports;
    /**
     * Each export's volume id on the wire, by export id: the proposal until the monitor assigns ids in VOLUME_IDS, then
     * the assigned one. Only the link's thread reads and writes it.
     */
    private final int[] wireIds;

    private final Map<Integer, Integer> exportsByWireId = new HashMap<>();
    /**
     * By position in {@link #exports}: the monitor refused the volume (VolumeIdsDescriptor.REFUSED: shared under a name
     * its operator has not bound to this gateway), so it is served but left out of STATS and EVENT. Link thread only.
     */
    private final boolean[] refusedByMonitor;

    private final ReportBaseline[] baselines;
    private final boolean[] capacityWarned;
    private final Thread thread;

    private final HelloWriter helloWriter = new HelloWriter();
    private final VolumesWriter volumesWriter = new VolumesWriter();
    private final VolumeIdsReader volumeIdsReader = new VolumeIdsReader();
    private final AuthWriter authWriter = new AuthWriter();
    private final EnrollWriter enrollWriter = new EnrollWriter();
    private final RenewWriter renewWriter = new RenewWriter();
    private final CertificateReader certificateReader = new CertificateReader();
    private final StatsWriter statsWriter = new StatsWriter();
    private final ThrottleAckWriter ackWriter = new ThrottleAckWriter();
    private final HeartbeatWriter heartbeatWriter = new HeartbeatWriter();
    private final EventWriter eventWriter = new EventWriter();
    private final ChallengeReader challengeReader = new ChallengeReader();
    private final AuthResultReader authResultReader = new AuthResultReader();
    private final PollReader pollReader = new PollReader();
    private final HeartbeatReader heartbeatReader = new HeartbeatReader();
    private final ThrottleSetReader throttleSetReader = new ThrottleSetReader();
    private final StandbyReader standbyReader = new StandbyReader();
    /** Link thread only. */
    private final MonitorRotation rotation;
    /** Link thread only; {@link #epoch} publishes its mark. */
    private final EpochFence fence = new EpochFence();

    private final byte[] readBuffer = new byte[64 * 1024];
    private ByteBuffer out = ByteBuffer.allocate(64 * 1024);

    private volatile boolean running = true;
    private volatile Socket socket;
    private volatile LinkState state = LinkState.CONNECTING;
    private volatile String lastError;
    private volatile long sessions;
    private volatile long connectFailures;
    private volatile long reportSequence;
    private volatile long throttleSetsAcked;
    private volatile long volumesApplied;
    private volatile long heartbeatsSent;
    private volatile long eventsSent;
    private volatile String monitor;
    private volatile long standbyReferrals;
    private volatile long epoch;
    private volatile long staleEpochRefusals;

    // Per connection, link thread only.
    private long sequence;
    private long lastSentNanos;
    private long reportedAtMillis = System.currentTimeMillis();
    private long heartbeatEcho;
    private int failuresInARow;
    private boolean challenged;
    /** AUTH_RESULT ACCEPTED came and VOLUMES went out; the session opens with VOLUME_IDS. */
    private boolean accepted;
    /** This connection is for enrolling (ENROLL instead of AUTH): the gateway has no certificate yet. */
    private boolean enrolling;
    /** The enrollment gave a certificate: reconnect at once, not after a backoff. */
    private boolean enrolled;
    /** RENEW went out on this connection; one per connection. */
    private boolean renewalRequested;
    /** A standby named the active, to be dialled at once rather than after a back-off. */
    private boolean redirectAtOnce;

    private int pollIntervalMillis;
    private long lastReceivedNanos;
    private long silenceLimitNanos;

    private MonitorLink(MonitorLinkConfig config, Gateway gateway) {
        this.config = config;
        this.gateway = gateway;
        this.exports = gateway.exports().all().toArray(Export[]::new);
        this.wireIds = new int[exports.length];
        for (int i = 0; i < exports.length; i++) {
            wireIds[i] = volumeId(config.volumeIdBase(), exports[i].id());
        }
        this.baselines = new ReportBaseline[exports.length];
        for (int i = 0; i < exports.length; i++) {
            baselines[i] = new ReportBaseline();
        }
        this.capacityWarned = new boolean[exports.length];
        this.refusedByMonitor = new boolean[exports.length];
        this.rotation = new MonitorRotation(config.addresses());
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

    private int volumeId(int exportId) {
        return wireIds[exportId];
    }

    /** Takes the ids the monitor assigned to VOLUMES' entries (sent in export order). */
    private void adoptVolumeIds(VolumeIdsReader result) throws IOException {
        if (result.volumeCount() != exports.length) {
            throw new IOException(
                    "the monitor assigned " + result.volumeCount() + " volume ids for " + exports.length + " volumes");
        }
        exportsByWireId.clear();
        for (int i = 0; i < exports.length; i++) {
            int id = result.volumeId(i);
            wireIds[exports[i].id()] = id;
            refusedByMonitor[i] = id == VolumeIdsDescriptor.REFUSED;
            if (refusedByMonitor[i]) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "monitor link: the SLA server refused volume " + exports[i].name()
                                + (exports[i].shared()
                                        ? " (shared: its operator has not bound the name to gateway "
                                                + Long.toUnsignedString(config.gatewayId())
                                                + ", monitor.shared-volumes)"
                                        : "")
                                + "; it is served, but not reported on or throttled by the server");
            } else {
                exportsByWireId.put(id, exports[i].id());
            }
        }
    }

    /**
     * Whether the volume at this position of the exports (and of the gateway's statistics) is reported to the monitor.
     */
    private boolean reported(int position) {
        return position >= refusedByMonitor.length || !refusedByMonitor[position];
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
                volumesApplied,
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
                InetSocketAddress address = rotation.current();
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
                delayMillis = identity == null ? session(s) : session(startTls(s, address, identity.context()));
            } catch (IOException | RuntimeException e) {
                if (running) {
                    lastError = monitor + ": " + e;
                }
                rotation.failed();
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
    private long session(Socket s) throws IOException {
        s.setSoTimeout(TICK_MILLIS);
        InputStream in = s.getInputStream();
        OutputStream output = s.getOutputStream();
        FrameDecoder decoder = FrameDecoder.forConnection(
                Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, config.gatewayId());
        sequence = 1;
        state = LinkState.HANDSHAKE;
        sendHello(output);
        long handshakeDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMillis());
        challenged = false;
        accepted = false;
        renewalRequested = false;
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
            long now = System.nanoTime();
            if (state == LinkState.HANDSHAKE && now - handshakeDeadline > 0) {
                throw new IOException("handshake timed out");
            }
            if (state == LinkState.IN_SESSION && now - lastReceivedNanos > silenceLimitNanos) {
                throw new IOException(
                        "monitor silent for " + TimeUnit.NANOSECONDS.toMillis(now - lastReceivedNanos) + " ms");
            }
            if (state == LinkState.IN_SESSION
                    && now - lastSentNanos >= TimeUnit.MILLISECONDS.toNanos(config.heartbeatMillis())) {
                out.clear();
                heartbeatWriter.write(out, sequence++, config.gatewayId(), System.currentTimeMillis(), heartbeatEcho);
                flush(output);
                heartbeatsSent++;
            }
            if (state == LinkState.IN_SESSION
                    && !renewalRequested
                    && config.tls() != null
                    && config.tls().isEnrolled()
                    && config.tls().renewalDue()) {
                renewalRequested = true;
                byte[] request = config.tls().certificateRequest();
                out.clear();
                renewWriter.write(out, sequence++, config.gatewayId(), request);
                flush(output);
                LOG.log(
                        System.Logger.Level.INFO,
                        "monitor link: certificate "
                                + config.tls().certificate().getSerialNumber().toString(16)
                                + " is two thirds through its life; asked the monitor to renew it");
            }
        }
        return -1;
    }

    /** Handles every whole frame received; returns a retry-after when the connection is to end, else null. */
    private Long drain(FrameDecoder decoder, OutputStream output) throws IOException {
        DecodeStatus status;
        while ((status = decoder.next()) == DecodeStatus.FRAME) {
            switch (decoder.frameType()) {
                case CHALLENGE -> {
                    if (state != LinkState.HANDSHAKE || challenged) {
                        throw new IOException("unexpected CHALLENGE");
                    }
                    challenged = true;
                    byte[] answer = Authenticator.answer(
                            config.key(),
                            config.gatewayId(),
                            challengeReader.wrap(decoder).nonce());
                    out.clear();
                    if (enrolling) {
                        enrollWriter.write(
                                out,
                                sequence++,
                                config.gatewayId(),
                                answer,
                                config.enrollmentToken(),
                                config.tls().certificateRequest());
                    } else {
                        authWriter.write(out, sequence++, config.gatewayId(), answer, config.enrollmentToken());
                    }
                    flush(output);
                }
                case AUTH_RESULT -> {
                    if (state != LinkState.HANDSHAKE || !challenged) {
                        throw new IOException("unexpected AUTH_RESULT");
                    }
                    challenged = false;
                    AuthResultReader result = authResultReader.wrap(decoder);
                    switch (result.outcome()) {
                        case ACCEPTED -> {
                            if (enrolling) {
                                throw new IOException("the monitor accepted an enrollment as a session");
                            }
                            if (!fence.admit(result.epoch())) {
                                staleEpochRefusals++;
                                lastError = "monitor " + monitor + " is at epoch " + result.epoch()
                                        + ", older than epoch " + fence.highest()
                                        + " seen: its server lost the lease; trying the next monitor";
                                LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
                                rotation.failed();
                                return -1L;
                            }
                            epoch = fence.highest();
                            accepted = true;
                            pollIntervalMillis = result.pollIntervalMillis();
                            decoder.authenticated();
                            sendVolumes(output);
                        }
                        case PENDING, REFUSED -> {
                            lastError = "monitor answered " + result.outcome() + " (" + result.reason() + ")"
                                    + (result.message().isEmpty() ? "" : ": " + result.message())
                                    + (result.reason() == AuthReason.CERTIFICATE_REQUIRED
                                            ? ": this gateway has no client "
                                                    + "certificate; configure tls-cert and tls-key, or state-dir and an enrollment token"
                                            : "");
                            LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
                            // At most MAX_RETRY_AFTER_MILLIS (the reader clamps): the frame is not authenticated.
                            int retryAfter = result.retryAfterMillis();
                            return retryAfter > 0 ? (long) retryAfter : (long) config.backoffMaxMillis();
                        }
                        case null -> throw new IOException("unknown AUTH_RESULT outcome");
                    }
                }
                case STANDBY -> {
                    if (state != LinkState.HANDSHAKE || challenged) {
                        throw new IOException("unexpected STANDBY");
                    }
                    return onStandby(standbyReader.wrap(decoder));
                }
                case CERTIFICATE -> {
                    Long retry = onCertificate(certificateReader.wrap(decoder));
                    if (retry != null) {
                        return retry;
                    }
                }
                case VOLUME_IDS -> {
                    if (state != LinkState.HANDSHAKE || !accepted) {
                        throw new IOException("unexpected VOLUME_IDS");
                    }
                    adoptVolumeIds(volumeIdsReader.wrap(decoder));
                    state = LinkState.IN_SESSION;
                    rotation.opened();
                    sessions++;
                    failuresInARow = 0;
                    lastError = null;
                    lastSentNanos = System.nanoTime();
                    lastReceivedNanos = lastSentNanos;
                    // A monitor polls every interval; one that says nothing for several intervals (or
                    // heartbeats) is hung or gone behind a silent network, so the link starts over.
                    silenceLimitNanos = TimeUnit.MILLISECONDS.toNanos(
                            Math.max(3 * config.heartbeatMillis(), 4L * Math.max(0, pollIntervalMillis)));
                    sendCapacityWarnings(output, gateway.stats());
                }
                case POLL -> {
                    requireSession("POLL");
                    answerPoll(output, pollReader.wrap(decoder).pollSequence());
                }
                case THROTTLE_SET -> {
                    requireSession("THROTTLE_SET");
                    applyThrottleSet(output, throttleSetReader.wrap(decoder));
                }
                case HEARTBEAT -> heartbeatEcho = heartbeatReader.wrap(decoder).sentAtMillis();
                default -> throw new IOException("unexpected " + decoder.frameType());
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

    /**
     * A standby's answer to HELLO: dial the active it names next (at once the first time in a row), or, with none
     * known, the next monitor after its retry-after. Returns the delay for {@link #run}: -1 for its back-off.
     */
    private long onStandby(StandbyReader standby) {
        standbyReferrals++;
        InetSocketAddress active = standby.activeAddress();
        if (active != null) {
            lastError = "monitor " + monitor + " is a standby; the active is " + MonitorAddress.format(active);
            redirectAtOnce = rotation.redirect(active);
            LOG.log(System.Logger.Level.INFO, "monitor link: " + lastError);
            return -1;
        }
        lastError = "monitor " + monitor + " is a standby and knows no active yet";
        LOG.log(System.Logger.Level.INFO, "monitor link: " + lastError);
        rotation.failed();
        int retryAfter = standby.retryAfterMillis();
        return retryAfter > 0 ? retryAfter : -1;
    }

    /**
     * The monitor's answer to ENROLL (then the connection ends: a retry-after, 0 to connect again at once with the
     * certificate) or to RENEW (the session goes on: null).
     */
    private Long onCertificate(CertificateReader answer) throws IOException {
        boolean enrollment = state == LinkState.HANDSHAKE && enrolling && challenged;
        if (!enrollment && !(state == LinkState.IN_SESSION && renewalRequested)) {
            throw new IOException("unexpected CERTIFICATE");
        }
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

    private void requireSession(String frame) throws IOException {
        if (state != LinkState.IN_SESSION) {
            throw new IOException(frame + " before the session was accepted");
        }
    }

    private void sendHello(OutputStream output) throws IOException {
        ensureCapacity(HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH));
        out.clear();
        helloWriter.write(out, sequence++, config.gatewayId(), CAPABILITIES, exports.length, config.gatewayName());
        flush(output);
    }

    private void sendVolumes(OutputStream output) throws IOException {
        ensureCapacity(VolumesDescriptor.frameLength(exports.length));
        out.clear();
        volumesWriter.begin(out, sequence++, config.gatewayId(), exports.length);
        for (int i = 0; i < exports.length; i++) {
            Export export = exports[i];
            volumesWriter.volume(i, volumeId(export.id()), volumeFlags(export), export.size(), wireName(export.name()));
        }
        volumesWriter.commit();
        flush(output);
    }

    private static int volumeFlags(Export export) {
        return (export.readOnly() ? VolumeDescriptor.FLAG_READ_ONLY : 0)
                | (export.shared() ? VolumeDescriptor.FLAG_SHARED : 0);
    }

    private void answerPoll(OutputStream output, long pollSequence) throws IOException {
        List<VolumeStats> stats = gateway.stats();
        long now = System.currentTimeMillis();
        int interval = (int) Math.clamp(now - reportedAtMillis, 0, Integer.MAX_VALUE);
        long report = reportSequence + 1;
        int count = 0;
        for (int i = 0; i < stats.size(); i++) {
            count += reported(i) ? 1 : 0;
        }
        int perFrame = Math.max(1, VOLUMES_PER_STATS_FRAME);
        int from = 0;
        int position = 0;
        out.clear();
        do {
            int n = Math.min(perFrame, count - from);
            boolean more = from + n < count;
            ensureRoom(StatsDescriptor.frameLength(n), output);
            statsWriter.begin(
                    out, sequence++, config.gatewayId(), more, report, pollSequence, reportedAtMillis, interval, n);
            for (int i = 0; i < n; i++, position++) {
                while (!reported(position)) {
                    position++;
                }
                VolumeStats volume = stats.get(position);
                baselines[position].write(volume, volumeId(volume.id()), statsWriter.volume(i));
            }
            statsWriter.commit();
            from += n;
        } while (from < count);
        flush(output);
        for (int i = 0; i < stats.size(); i++) {
            if (reported(i)) {
                baselines[i].commit();
            }
        }
        reportSequence = report;
        reportedAtMillis = now;
        sendCapacityWarnings(output, stats);
    }

    private void applyThrottleSet(OutputStream output, ThrottleSetReader set) throws IOException {
        int count = set.volumeCount();
        ensureCapacity(ThrottleAckDescriptor.frameLength(count));
        out.clear();
        ackWriter.begin(out, sequence++, config.gatewayId(), set.commandId(), count);
        if (!fence.admit(set.epoch())) {
            refuseStaleSet(output, set);
            return;
        }
        epoch = fence.highest();
        for (int i = 0; i < count; i++) {
            ThrottleParamsFlyweight params = set.volume(i);
            int volumeId = params.volumeId();
            int exportId = exportsByWireId.getOrDefault(volumeId, -1);
            QosSetting current = exportId < 0 ? null : gateway.qos().current(exportId);
            ThrottleAckStatus status;
            if (exportId < 0) {
                status = ThrottleAckStatus.UNKNOWN_VOLUME;
            } else if (current == null) {
                status = ThrottleAckStatus.UNSUPPORTED;
            } else if ((status = ThrottleTranslation.refusal(params)) == null) {
                QosParameters parameters = ThrottleTranslation.parameters(
                        params, current.parameters().maxDelayNanos());
                if (parameters == null) {
                    status = ThrottleAckStatus.INVALID;
                } else {
                    int applied = gateway.qos().apply(exportId, params.version(), parameters);
                    status = ThrottleTranslation.ackStatus(applied);
                    if (applied == QosStatus.APPLIED) {
                        volumesApplied++;
                    }
                }
            }
            QosSetting inForce = exportId < 0 ? null : gateway.qos().current(exportId);
            ackWriter.result(i, volumeId, status, inForce == null ? 0 : inForce.version());
        }
        ackWriter.commit();
        flush(output);
        throttleSetsAcked++;
    }

    /** A set from an older epoch than one seen: every volume acknowledged STALE_EPOCH with the version in force. */
    private void refuseStaleSet(OutputStream output, ThrottleSetReader set) throws IOException {
        for (int i = 0; i < set.volumeCount(); i++) {
            int volumeId = set.volume(i).volumeId();
            int exportId = exportsByWireId.getOrDefault(volumeId, -1);
            QosSetting inForce = exportId < 0 ? null : gateway.qos().current(exportId);
            ackWriter.result(i, volumeId, ThrottleAckStatus.STALE_EPOCH, inForce == null ? 0 : inForce.version());
        }
        ackWriter.commit();
        flush(output);
        throttleSetsAcked++;
        staleEpochRefusals++;
        lastError = "refused a throttle set of epoch " + set.epoch() + " from " + monitor + ": epoch " + fence.highest()
                + " seen; the parameters in force stay";
        LOG.log(System.Logger.Level.WARNING, "monitor link: " + lastError);
    }

    /** One EVENT per volume each time its backend crosses the warning threshold (again after dropping below). */
    private void sendCapacityWarnings(OutputStream output, List<VolumeStats> stats) throws IOException {
        int percent = config.capacityWarningPercent();
        if (percent == 0) {
            return;
        }
        boolean any = false;
        out.clear();
        for (int i = 0; i < stats.size() && i < exports.length; i++) {
            VolumeStats volume = stats.get(i);
            boolean full = volume.capacityBytes() > 0
                    && volume.usedBytes() >= 0
                    && volume.usedBytes() * 100.0 >= volume.capacityBytes() * (double) percent;
            if (full && !capacityWarned[i] && reported(i)) {
                Export export = exports[i];
                ensureRoom(EventDescriptor.frameLength(CAPACITY_MESSAGE.length()), output);
                eventWriter.write(
                        out,
                        sequence++,
                        config.gatewayId(),
                        EventKind.CAPACITY_WARNING,
                        System.currentTimeMillis(),
                        0,
                        volume.usedBytes(),
                        volumeId(export.id()),
                        volumeFlags(export),
                        volume.capacityBytes(),
                        wireName(export.name()),
                        CAPACITY_MESSAGE);
                eventsSent++;
                any = true;
            }
            capacityWarned[i] = full;
        }
        if (any) {
            flush(output);
        }
    }

    private void ensureCapacity(int length) {
        if (out.capacity() < length) {
            out = ByteBuffer.allocate(length);
        }
    }

    /** Makes room for a frame of {@code length} after what is buffered, flushing first if needed. */
    private void ensureRoom(int length, OutputStream output) throws IOException {
        if (out.remaining() >= length) {
            return;
        }
        flush(output);
        out.clear();
        ensureCapacity(length);
    }

    private void flush(OutputStream output) throws IOException {
        if (out.position() > 0) {
            output.write(out.array(), 0, out.position());
            output.flush();
            lastSentNanos = System.nanoTime();
        }
        out.clear();
    }

    /** The export name as VOLUMES carries it: at most 64 bytes of UTF-8, cut at a character boundary. */
    static String wireName(String name) {
        String cut = name;
        while (cut.getBytes(StandardCharsets.UTF_8).length > VolumeDescriptor.MAX_NAME_LENGTH) {
            cut = cut.substring(0, cut.offsetByCodePoints(0, cut.codePointCount(0, cut.length()) - 1));
        }
        return cut;
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
