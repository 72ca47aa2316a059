package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.mailbox.ParamWriter;
import io.sluice.pki.CertificateRequest;
import io.sluice.pki.Certificates;
import io.sluice.pki.KeyMaterialException;
import io.sluice.pki.TlsException;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReader;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.CertificateDescriptor;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EnrollReader;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.HelloReader;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.RenewReader;
import io.sluice.protocol.ReportBatchDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumesDescriptor;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The inbound half of a thread pair (docs/design.md, "The monitor's thread pairs"): sleeps in the selector until some
 * gateway's bytes arrive, reads whatever is ready, decodes whole frames and acts on them — the handshake, reports
 * handed to the SLA services' mailbox, acknowledgements that finish the services' throttle calls. It never waits for a
 * particular gateway, and a gateway that sends garbage loses only its own connection.
 */
final class InboundThread implements Runnable {
    private final MonitorDaemon daemon;
    private final Selector selector;
    private final Queue<Session> registrations = new ConcurrentLinkedQueue<>();
    private final Queue<Session> departures = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Session> departing = new ArrayDeque<>();
    private final Authenticator authenticator;
    private static final System.Logger LOG = System.getLogger(InboundThread.class.getName());
    private final AuthReader authReader = new AuthReader();
    private final EnrollReader enrollReader = new EnrollReader();
    private final RenewReader renewReader = new RenewReader();
    private final HelloReader helloReader = new HelloReader();
    private final VolumesReader volumesReader = new VolumesReader();
    private final StatsReader statsReader = new StatsReader();
    private final EventReader eventReader = new EventReader();
    private final ThrottleAckReader ackReader = new ThrottleAckReader();
    private final FrameCopy frameCopy = new FrameCopy();
    private final StatsPart statsPart = new StatsPart();
    private final int volumesPerPart =
            ReportBatchDescriptor.volumesPerEntry(MonitorDaemon.SERVICES_MAILBOX.paramCapacity());
    /**
     * Reports gathered for one services call; posted when full, when nothing more is ready to read, and before a
     * session departs.
     */
    private final ReportBatch batch =
            new ReportBatch(MonitorDaemon.SERVICES_MAILBOX.paramCapacity(), REPORTS_PER_BATCH, TURNS_PER_BATCH);

    private final ReportBatch.Dropped dropped;
    private final VolumesAnnouncement announcement = new VolumesAnnouncement();
    private final int volumesPerAnnouncement =
            GatewayVolumesDescriptor.volumesPerPart(MonitorDaemon.SERVICES_MAILBOX.paramCapacity());
    /**
     * How long reports may wait for room in the services' mailbox in one turn of the loop, all of them together: half a
     * poll interval (at most a second), then what does not fit is dropped (and counted), so a services process that
     * stays behind never holds this thread for longer.
     */
    private final long reportWaitNanos;

    private long waitUntilNanos;
    /**
     * Entries per batch at most. With one-volume reports (360 bytes) a 16 KiB slot holds about 45, so the slot's size
     * is what bounds a batch; this bounds the services' work per call when reports are tiny.
     */
    static final int REPORTS_PER_BATCH = 64;
    /**
     * Turns of the loop a batch may wait for more answers: with something always ready to read (a gateway that keeps
     * its socket busy with heartbeats, say) the other gateways' reports are held back no longer than this.
     */
    static final int TURNS_PER_BATCH = 16;
    /**
     * How long a batch waits for the next gateway's answer. A sweep of 10,000 gateways brings tens of answers a
     * millisecond, so a batch (about 45 one-volume reports) fills in a few; a report of a quiet moment goes a
     * millisecond later, against a poll interval of a second. Answers are counted as they are read, so the wait does
     * not lengthen a sweep.
     */
    static final long LINGER_MILLIS = 1;
    /** Well under {@link MonitorDaemon#STALL_MILLIS}, whatever the poll interval. */
    private static final long MAX_REPORT_WAIT_MILLIS = 1_000;
    /** Each read-and-decode pass of one gateway, for the pair sizing (Tptmax, inbound side). */
    private final ProcessingTimes processingTimes = new ProcessingTimes();

    private volatile boolean running = true;
    private final LoopWatch watch;
    /** This pair's caller index in the services' mailbox: every post of this thread goes through it. */
    private final ServicesLink.PairCaller services;
    /**
     * The sessions in session the selector found readable this turn; idle inbound threads of other pairs may take some.
     */
    private final ReadySessions ready;
    /**
     * Sessions whose reader token this thread holds because their reports wait in {@link #batch}; given back as it
     * posts.
     */
    private final Session[] held = new Session[REPORTS_PER_BATCH + 2];

    private int heldCount;
    /** The session being read, whose token a post in the middle of its read keeps. */
    private Session reading;
    /**
     * Incremented at every post of {@link #batch}: which batch a session's reports are in ({@link Session#fedBatch}).
     */
    private long batchesPosted;
    /** True while this thread sleeps in its selector with nothing gathered: a busy pair may wake it to share work. */
    private volatile boolean idle;
    /** Balancing by load (MonitorContext.balanceByLoad): work sharing on. */
    private final boolean shareWork;
    /**
     * A pair with at least this many gateways ready in a turn wakes an idle inbound thread, which takes up to half of
     * those not yet read. Fewer are not worth a wake-up and the hand-over: the owner gets through them first.
     */
    static final int SHARE_FROM = 8;

    InboundThread(MonitorDaemon daemon, LoopWatch watch, ServicesLink.PairCaller services, int maxSessions) {
        this.daemon = daemon;
        this.watch = watch;
        this.services = services;
        this.ready = new ReadySessions(maxSessions + 1);
        this.shareWork = daemon.context().balanceByLoad();
        this.authenticator = new Authenticator(daemon.clock(), daemon.context().handshakeTimeoutMillis());
        this.dropped = daemon::reportDropped;
        this.reportWaitNanos = TimeUnit.MILLISECONDS.toNanos(
                Math.min(daemon.context().pollIntervalMillis() / 2, MAX_REPORT_WAIT_MILLIS));
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(Session session) {
        registrations.add(session);
        selector.wakeup();
    }

    /** Step one of a migration: stop reading this session here; the outbound thread finishes the move. */
    void release(Session session) {
        departures.add(session);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            watch.turn();
            waitUntilNanos = System.nanoTime() + reportWaitNanos;
            // This pair's calls the services answered: their slots go back to the mailbox.
            services.drain();
            registerPending();
            int selected;
            try {
                selected = awaitReadable();
            } catch (IOException e) {
                throw new UncheckedIOException("inbound selector failed", e);
            }
            int readyNow = takeSelected();
            if (shareWork && readyNow >= SHARE_FROM) {
                daemon.wakeIdleInbound(this);
            }
            Session session;
            while ((session = ready.takeFirst()) != null) {
                serve(session, null);
            }
            if (shareWork && selected == 0) {
                shareFromBusiest();
            }
            releaseDepartures();
        }
        postReports();
    }

    /**
     * Empties the selector's selected set: a session in its handshake is read at once (its key is needed), the sessions
     * in session go to {@link #ready}. Returns how many went there.
     */
    private int takeSelected() {
        int count = 0;
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            if (key.isValid()) {
                Session session = (Session) key.attachment();
                if (session.inSession() && count < ready.capacity()) {
                    ready.put(count++, session);
                } else {
                    serve(session, key);
                }
            }
        }
        ready.publish(count);
        return count;
    }

    /**
     * Reads a session if this thread may: it takes the session's reader token, unless another inbound thread holds it
     * (reading it now, or with its reports in that thread's unposted batch), and then leaves the session alone: its
     * bytes stay in the socket and the selector shows it again. The token goes back at once unless this read left
     * reports in the batch; then when the batch is posted. So one thread reads a session at a time and a gateway's
     * reports are posted in the order they came, whichever threads read them. True if it read.
     */
    private boolean serve(Session session, SelectionKey key) {
        InboundThread holder = session.reader.get();
        boolean fresh = holder == null;
        if (holder != this && (!fresh || !session.reader.compareAndSet(null, this))) {
            return false;
        }
        reading = session;
        try {
            read(session, key);
        } catch (RuntimeException e) {
            // A fault while serving one gateway ends that session, never this thread.
            daemon.closeSession(session, "internal error: " + e);
        } finally {
            reading = null;
        }
        boolean inBatch = session.fedBy == this && session.fedBatch == batchesPosted && !batch.isEmpty();
        if (inBatch) {
            if (fresh) {
                held[heldCount++] = session;
            }
        } else {
            if (!fresh) {
                forgetHeld(session);
            }
            session.reader.set(null);
        }
        return true;
    }

    private void forgetHeld(Session session) {
        for (int i = 0; i < heldCount; i++) {
            if (held[i] == session) {
                held[i] = held[--heldCount];
                held[heldCount] = null;
                return;
            }
        }
    }

    /**
     * Work sharing, when this thread's selector found nothing to read: takes up to half the sessions the busiest other
     * pair has ready and not yet read, from the back of its list (its own thread works from the front), reads them and
     * posts their reports before it gives their tokens back.
     */
    private void shareFromBusiest() {
        InboundThread busiest = daemon.busiestInbound(this);
        if (busiest == null) {
            return;
        }
        int share = busiest.ready.remaining() / 2;
        Session session;
        int shared = 0;
        for (int taken = 0; taken < share && (session = busiest.ready.takeLast()) != null; taken++) {
            if (session.inSession() && session.migrateTo == null && !session.isClosed() && serve(session, null)) {
                shared++;
            }
        }
        if (shared > 0) {
            daemon.counters().sessionsShared.add(shared);
            postReports();
        }
    }

    /** Sessions the selector found ready and no thread has taken yet. */
    int readyRemaining() {
        return ready.remaining();
    }

    /** Wakes this thread if it sleeps with nothing to do; true if it did. */
    boolean wakeIfIdle() {
        if (idle) {
            idle = false;
            selector.wakeup();
            return true;
        }
        return false;
    }

    /**
     * Selects the gateways with bytes to read. With reports gathered, it waits at most {@link #LINGER_MILLIS} for more:
     * the gateways that answer meanwhile join the same batch, which goes to the services when it is full, when that
     * wait ends with nothing to read (or a wake-up), or after {@link #TURNS_PER_BATCH} turns. So one services call (one
     * slot, one doorbell that may wake the services, one reply that may wake the drain thread) carries what a sweep's
     * answers bring in over a millisecond, not what one turn happened to find ready. The thread then does not sleep: a
     * wake-up the short wait took (a registration, a departure) is seen next turn.
     */
    private int awaitReadable() throws IOException {
        if (batch.isEmpty()) {
            idle = true;
            int selected = selector.select(100);
            idle = false;
            return selected;
        }
        if (!batch.mayWaitAnotherTurn()) {
            postReports();
            // Did not look: not idle.
            return -1;
        }
        int selected = selector.select(LINGER_MILLIS);
        if (selected == 0) {
            postReports();
        }
        return selected;
    }

    private void releaseDepartures() {
        Session session;
        boolean cancelled = false;
        while ((session = departures.poll()) != null) {
            SelectionKey key = session.channel.keyFor(selector);
            if (key != null) {
                key.cancel();
                cancelled = true;
            }
            departing.add(session);
        }
        if (cancelled) {
            try {
                selector.selectNow();
            } catch (IOException e) {
                throw new UncheckedIOException("inbound selector failed", e);
            }
        }
        if (!departing.isEmpty()) {
            // Before a departing session moves to another pair, so its reports keep their order.
            postReports();
        }
        while ((session = departing.poll()) != null) {
            session.schedule();
        }
    }

    private void registerPending() {
        Session session;
        while ((session = registrations.poll()) != null) {
            try {
                session.channel.register(selector, SelectionKey.OP_READ, session);
            } catch (ClosedChannelException e) {
                daemon.closeSession(session, "closed before registration");
            }
        }
    }

    private void read(Session session, SelectionKey key) {
        if (session.tls != null && !session.tls.isEstablished() && !handshake(session, key)) {
            return;
        }
        // Timed from here: a TLS handshake is a one-off cost at connection, not the per-poll work Tptmax sizes for.
        long start = System.nanoTime();
        FrameDecoder decoder = session.decoder;
        boolean more;
        do {
            int read;
            try {
                read = decoder.readFrom(session.link);
            } catch (TlsException e) {
                daemon.counters().framesRefused.increment();
                daemon.closeSession(session, "TLS: " + e.getMessage());
                return;
            } catch (IOException e) {
                daemon.closeSession(session, "read failed: " + e.getMessage());
                return;
            }
            DecodeStatus status;
            while ((status = decoder.next()) == DecodeStatus.FRAME && !session.isClosed()) {
                onFrame(session, decoder);
            }
            if (status == DecodeStatus.ERROR) {
                daemon.counters().framesRefused.increment();
                daemon.closeSession(session, "bad frame: " + decoder.error() + " (" + decoder.errorValue() + ")");
            } else if (status == DecodeStatus.END_OF_STREAM) {
                daemon.closeSession(session, "gateway closed the connection");
            }
            // Decrypted bytes the decoder had no room for wait in the TLS channel; no selector will signal them.
            more = read > 0 && !session.isClosed() && session.tls != null && session.tls.hasBufferedInput();
        } while (more);
        long took = System.nanoTime() - start;
        processingTimes.record(took);
        session.busyNanos.addAndGet(took);
    }

    /**
     * One step of a TLS handshake, on this thread alone (the outbound thread has nothing to send before HELLO); true
     * once it is done and the client certificate names a gateway.
     */
    private boolean handshake(Session session, SelectionKey key) {
        try {
            switch (session.tls.handshake()) {
                case NEED_READ -> {
                    key.interestOps(SelectionKey.OP_READ);
                    return false;
                }
                case NEED_WRITE -> {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return false;
                }
                case DONE -> {
                    key.interestOps(SelectionKey.OP_READ);
                    daemon.tlsHandshakeDone(session);
                }
            }
        } catch (TlsException e) {
            daemon.counters().authRefused.increment();
            daemon.closeSession(session, "TLS handshake refused: " + e.getMessage());
            return false;
        } catch (IOException e) {
            daemon.closeSession(session, "TLS handshake failed: " + e.getMessage());
            return false;
        }
        X509Certificate peer = session.tls.peerCertificate();
        if (peer == null && daemon.context().tls().certificates() != null) {
            // Let through without a certificate to enroll for one, and for nothing else (see onFrame).
            session.enrolling = true;
            return true;
        }
        long certified = peer == null ? 0 : GatewayCertificateName.gatewayId(Certificates.commonName(peer));
        if (certified == 0) {
            daemon.counters().authRefused.increment();
            daemon.closeSession(
                    session,
                    "client certificate names no gateway: "
                            + (peer == null
                                    ? "none"
                                    : peer.getSubjectX500Principal().getName()));
            return false;
        }
        if (daemon.context().tls().revocations().isRevoked(peer.getSerialNumber())) {
            // Only a resumed session skips the trust manager's check; the monitor sends no tickets, but be sure.
            daemon.counters().authRefused.increment();
            daemon.closeSession(session, "client certificate revoked");
            return false;
        }
        session.certifiedGatewayId = certified;
        session.certificateSerial = peer.getSerialNumber();
        session.certificateNotAfter = peer.getNotAfter().getTime();
        return true;
    }

    private void onFrame(Session session, FrameDecoder decoder) {
        session.lastHeardAt = daemon.clock().epochMillis();
        FrameType type = decoder.frameType();
        switch (session.state) {
            case AWAIT_HELLO -> {
                if (type != FrameType.HELLO) {
                    protocolViolation(session, "expected HELLO, got " + type);
                    return;
                }
                if (session.tls != null && !session.enrolling && decoder.gatewayId() != session.certifiedGatewayId) {
                    daemon.counters().authRefused.increment();
                    protocolViolation(
                            session,
                            "HELLO from gateway " + Long.toUnsignedString(decoder.gatewayId())
                                    + " over a connection certified for gateway "
                                    + Long.toUnsignedString(session.certifiedGatewayId));
                    return;
                }
                session.gatewayId = decoder.gatewayId();
                if (daemon.role().standby()) {
                    // Not the active server: no challenge, no copy of HELLO, nothing kept; name the active and close.
                    session.state = Session.State.REFERRED;
                    session.standbyDue = true;
                    daemon.counters().standbyReferrals.increment();
                    session.schedule();
                    return;
                }
                session.helloVolumes = helloReader.wrap(decoder).volumeCount();
                session.hello = copy(decoder);
                authenticator.issue(session.challenge, session.gatewayId);
                session.state = Session.State.AWAIT_AUTH;
                session.challengeDue = true;
                session.schedule();
            }
            case AWAIT_AUTH -> {
                if (type == FrameType.ENROLL && session.enrolling) {
                    enroll(session, decoder);
                } else if (type == FrameType.AUTH && session.enrolling) {
                    // No certificate, no session: say why, so the gateway's log tells its operator.
                    refuse(session, AuthOutcome.REFUSED, AuthReason.CERTIFICATE_REQUIRED);
                } else if (type != FrameType.AUTH) {
                    protocolViolation(
                            session,
                            "expected AUTH, got " + type
                                    + (type == FrameType.ENROLL
                                            ? " (only on a connection without a client certificate)"
                                            : ""));
                } else {
                    authenticate(session, decoder);
                }
            }
            case AWAIT_VOLUMES -> {
                if (type != FrameType.VOLUMES) {
                    protocolViolation(session, "expected VOLUMES, got " + type);
                    return;
                }
                register(session, decoder);
            }
            case IN_SESSION -> onSessionFrame(session, decoder, type);
            case REFERRED, CLOSED -> {}
        }
    }

    private void authenticate(Session session, FrameDecoder decoder) {
        authReader.wrap(decoder);
        byte[] key = GatewayKeys.derive(daemon.context().deploymentSecret(), session.gatewayId);
        AuthCheck check = authenticator.verify(session.challenge, key, authReader.buffer(), authReader.answerOffset());
        if (check != AuthCheck.VALID) {
            refuse(session, AuthOutcome.REFUSED, refusalOf(check));
            return;
        }
        if (session.helloVolumes > daemon.context().maxVolumesPerGateway()) {
            daemon.tooManyVolumes(session.gatewayId, session.helloVolumes);
            refuse(session, AuthOutcome.REFUSED, AuthReason.TOO_MANY_VOLUMES);
            return;
        }
        GatewayRegistry.Admission admission = daemon.registry()
                .admit(session.gatewayId, authReader.enrollmentTokenLength() > 0 ? authReader.enrollmentToken() : null);
        if (!admission.accepted()) {
            session.hello = null;
            refuse(
                    session,
                    admission.reason() == AuthReason.AWAITING_APPROVAL ? AuthOutcome.PENDING : AuthOutcome.REFUSED,
                    admission.reason());
            return;
        }
        session.gatewayName = helloReader.wrap(session.hello, 0).gatewayName();
        session.hello = null;
        // Proved its key: from here on the gateway may send frames of any type and size.
        decoder.authenticated();
        daemon.authenticated(session);
        session.state = Session.State.AWAIT_VOLUMES;
        session.authReasonDue = AuthReason.NONE;
        session.authOutcomeDue = AuthOutcome.ACCEPTED;
        session.schedule();
    }

    /**
     * ENROLL, on a connection without a client certificate: the gateway proves its key as in AUTH, uses up an
     * enrollment token and gets a certificate for the id of its HELLO; the connection then closes. A request that does
     * not parse is refused before the token is used, so a gateway with a bug does not burn it.
     */
    private void enroll(Session session, FrameDecoder decoder) {
        enrollReader.wrap(decoder);
        byte[] key = GatewayKeys.derive(daemon.context().deploymentSecret(), session.gatewayId);
        AuthCheck check =
                authenticator.verify(session.challenge, key, enrollReader.buffer(), enrollReader.answerOffset());
        session.hello = null;
        if (check != AuthCheck.VALID) {
            refuse(session, AuthOutcome.REFUSED, refusalOf(check));
            return;
        }
        CertificateRequest request;
        try {
            request = GatewayCertificates.parse(enrollReader.request());
        } catch (KeyMaterialException e) {
            refuseCertificate(session, AuthReason.BAD_CERTIFICATE_REQUEST, e.getMessage());
            return;
        }
        GatewayRegistry.Admission admission =
                daemon.registry().enrolForCertificate(session.gatewayId, enrollReader.enrollmentToken());
        if (!admission.accepted()) {
            refuse(session, AuthOutcome.REFUSED, admission.reason());
            return;
        }
        issueCertificate(session, request, "enrollment");
    }

    /** RENEW, in session: a new certificate for the same gateway, unless its current one is revoked. */
    private void renew(Session session, FrameDecoder decoder) {
        GatewayCertificates desk =
                daemon.context().tls() == null ? null : daemon.context().tls().certificates();
        if (desk == null || session.certificateSerial == null) {
            refuseCertificate(
                    session,
                    desk == null ? AuthReason.CERTIFICATE_NOT_ISSUED : AuthReason.CERTIFICATE_REQUIRED,
                    "this monitor issues no certificates");
            return;
        }
        if (daemon.context().tls().revocations().isRevoked(session.certificateSerial)
                || daemon.registry().standing(session.gatewayId) == GatewayRegistry.Standing.REVOKED) {
            refuseCertificate(session, AuthReason.REVOKED, "its certificate or the gateway is revoked");
            return;
        }
        CertificateRequest request;
        try {
            request = GatewayCertificates.parse(renewReader.wrap(decoder).request());
        } catch (KeyMaterialException e) {
            refuseCertificate(session, AuthReason.BAD_CERTIFICATE_REQUEST, e.getMessage());
            return;
        }
        issueCertificate(session, request, "renewal");
    }

    private void issueCertificate(Session session, CertificateRequest request, String why) {
        try {
            X509Certificate issued = daemon.context().tls().certificates().issue(session.gatewayId, request);
            byte[] der = GatewayCertificates.encoded(issued);
            if (der.length > CertificateDescriptor.MAX_CERTIFICATE_LENGTH) {
                throw new IOException("issued a certificate of " + der.length + " bytes, above the frame's "
                        + CertificateDescriptor.MAX_CERTIFICATE_LENGTH);
            }
            daemon.counters().certificatesIssued.increment();
            LOG.log(
                    System.Logger.Level.INFO,
                    "gateway " + Long.toUnsignedString(session.gatewayId) + ": certificate serial "
                            + issued.getSerialNumber().toString(16) + " issued (" + why + "), valid until "
                            + issued.getNotAfter().toInstant());
            session.certificateDue = new Session.CertificateAnswer(der, AuthReason.NONE);
            session.schedule();
        } catch (IOException e) {
            refuseCertificate(session, AuthReason.CERTIFICATE_NOT_ISSUED, e.getMessage());
        }
    }

    private void refuseCertificate(Session session, AuthReason reason, String detail) {
        daemon.counters().certificatesRefused.increment();
        LOG.log(
                System.Logger.Level.WARNING,
                "gateway " + Long.toUnsignedString(session.gatewayId) + ": no certificate (" + reason + "): " + detail);
        session.certificateDue = new Session.CertificateAnswer(null, reason);
        session.schedule();
    }

    private static AuthReason refusalOf(AuthCheck check) {
        return switch (check) {
            case REPLAYED -> AuthReason.REPLAYED;
            case EXPIRED -> AuthReason.EXPIRED;
            default -> AuthReason.WRONG_ANSWER;
        };
    }

    /** VOLUMES, from an accepted gateway: assign its volumes' ids and open the session. */
    private void register(Session session, FrameDecoder decoder) {
        VolumesReader volumes = volumesReader.wrap(decoder);
        if (volumes.volumeCount() != session.helloVolumes) {
            protocolViolation(
                    session,
                    "VOLUMES carries " + volumes.volumeCount() + " volumes, HELLO said " + session.helloVolumes);
            return;
        }
        session.volumes = copy(decoder);
        GatewayRegistry registry = daemon.registry();
        session.volumeIds = daemon.volumeIdentities()
                .assign(session.gatewayId, volumesReader.wrap(session.volumes, 0), registry::mayServeShared);
        if (session.volumeIds == VolumeIdentities.DATABASE_AWAY) {
            // Not the gateway's doing: it registers again after its back-off, by when the database may answer.
            daemon.closeSession(session, "volume ids: the database cannot be asked");
            return;
        }
        if (session.volumeIds == null) {
            daemon.tooManyVolumeNames(session.gatewayId);
            daemon.closeSession(session, "too many volume names");
            return;
        }
        session.announcedIds = withoutRefused(session);
        session.declaredIds = session.announcedIds.clone();
        Arrays.sort(session.declaredIds);
        daemon.openSession(session);
        announceVolumes(session);
    }

    /**
     * The ids of the volumes the gateway may speak for, in VOLUMES' order; when some were refused, they are also taken
     * out of the session's copy of VOLUMES (which the services are told), and counted and logged by name.
     */
    private int[] withoutRefused(Session session) {
        int[] ids = session.volumeIds;
        int kept = 0;
        for (int id : ids) {
            kept += id == VolumeIdsDescriptor.REFUSED ? 0 : 1;
        }
        if (kept == ids.length) {
            return ids;
        }
        VolumesReader announced = volumesReader.wrap(session.volumes, 0);
        ByteBuffer served = ByteBuffer.allocate(VolumesDescriptor.frameLength(kept));
        served.put(0, session.volumes, 0, VolumesDescriptor.VOLUMES_OFFSET);
        served.putInt(FrameDescriptor.LENGTH_OFFSET, served.capacity());
        served.putInt(VolumesDescriptor.VOLUME_COUNT_OFFSET, kept);
        int[] servedIds = new int[kept];
        List<String> refused = new ArrayList<>();
        for (int i = 0, next = 0; i < ids.length; i++) {
            if (ids[i] == VolumeIdsDescriptor.REFUSED) {
                refused.add(announced.volumeName(i));
            } else {
                served.put(
                        VolumesDescriptor.volumeOffset(next),
                        session.volumes,
                        VolumesDescriptor.volumeOffset(i),
                        VolumeDescriptor.LENGTH);
                servedIds[next++] = ids[i];
            }
        }
        session.volumes = served;
        daemon.sharedVolumesRefused(session.gatewayId, refused);
        return servedIds;
    }

    private static ByteBuffer copy(FrameDecoder decoder) {
        ByteBuffer copy = ByteBuffer.allocate(decoder.frameLength());
        copy.put(0, decoder.buffer(), decoder.frameOffset(), decoder.frameLength());
        return copy;
    }

    /**
     * Tells the services the session's volumes (assigned ids, names, the gateway's name) before its first report, so
     * everything downstream knows them by name; retried before each report until it got through.
     */
    private void announceVolumes(Session session) {
        if (session.volumesAnnounced || session.volumes == null) {
            return;
        }
        postReports();
        int volumes = session.announcedIds.length;
        int first = 0;
        do {
            int count = Math.min(volumesPerAnnouncement, volumes - first);
            announcement.of(
                    session.gatewayId, session.gatewayName, session.volumes, session.announcedIds, first, count);
            long wait = Math.max(0, waitUntilNanos - System.nanoTime());
            if (!services.post(
                    MailboxOpcodes.SERVICES_GATEWAY_VOLUMES,
                    session.gatewayId,
                    announcement,
                    daemon.pairShare(),
                    wait)) {
                return;
            }
            first += count;
        } while (first < volumes);
        session.volumesAnnounced = true;
        session.volumes = null;
    }

    private void refuse(Session session, AuthOutcome outcome, AuthReason reason) {
        if (outcome == AuthOutcome.PENDING) {
            daemon.counters().authPending.increment();
            daemon.reportState(session.gatewayId, GatewayState.PENDING_APPROVAL, reason.code());
        } else {
            daemon.counters().authRefused.increment();
            daemon.reportState(session.gatewayId, GatewayState.REFUSED, reason.code());
        }
        session.authReasonDue = reason;
        session.authOutcomeDue = outcome;
        session.schedule();
    }

    private void onSessionFrame(Session session, FrameDecoder decoder, FrameType type) {
        switch (type) {
            case STATS -> {
                statsReader.wrap(decoder);
                long poll = statsReader.pollSequence();
                if (poll > session.lastPollAnswered) {
                    session.lastPollAnswered = poll;
                    daemon.counters().pollsAnswered.increment();
                }
                if (daemon.reportSequences()
                        .accept(session.gatewayId, statsReader.reportSequence(), statsReader.hasMore())) {
                    int undeclared = firstUndeclared(session);
                    if (undeclared < 0) {
                        forwardReport(session, decoder);
                    } else {
                        daemon.reportRefused(
                                session.gatewayId,
                                statsReader.volume(undeclared).volumeId());
                    }
                }
            }
            case THROTTLE_ACK -> {
                ackReader.wrap(decoder);
                Long handle = session.awaitingAck.remove(ackReader.commandId());
                if (handle != null) {
                    daemon.counters().throttlesAcked.increment();
                    frameCopy.of(decoder);
                    daemon.completeThrottle(handle, MailboxOpcodes.THROTTLE_ACKED, frameCopy);
                }
            }
            case EVENT -> {
                int volumeId = eventReader.wrap(decoder).volumeId();
                if (Arrays.binarySearch(session.declaredIds, volumeId) >= 0) {
                    forward(session, decoder, MailboxOpcodes.SERVICES_GATEWAY_EVENT);
                } else {
                    daemon.reportRefused(session.gatewayId, volumeId);
                }
            }
            case HEARTBEAT -> {
                // lastHeardAt is all a heartbeat is for
            }
            case RENEW -> renew(session, decoder);
            default -> protocolViolation(session, type + " after the handshake");
        }
    }

    /** The index of the first volume record in {@code statsReader} that its gateway did not declare, or -1. */
    private int firstUndeclared(Session session) {
        for (int i = 0; i < statsReader.volumeCount(); i++) {
            if (Arrays.binarySearch(session.declaredIds, statsReader.volume(i).volumeId()) < 0) {
                return i;
            }
        }
        return -1;
    }

    private void forward(Session session, FrameDecoder decoder, int opcode) {
        postReports();
        frameCopy.of(decoder);
        if (services.post(opcode, session.gatewayId, frameCopy, daemon.pairShare(), 0)) {
            daemon.counters().reportsForwarded.increment();
        } else {
            daemon.counters().reportsDropped.increment();
        }
    }

    /**
     * Adds a STATS frame to the batch for the services, in parts that each fit a batch alone; a full batch is posted
     * first. The batch goes at the latest at the end of this turn ({@link #postReports}).
     */
    private void forwardReport(Session session, FrameDecoder decoder) {
        announceVolumes(session);
        int volumes = statsReader.volumeCount();
        int first = 0;
        do {
            int count = Math.min(volumesPerPart, volumes - first);
            boolean last = first + count == volumes;
            statsPart.of(decoder.buffer(), decoder.frameOffset(), first, count, statsReader.hasMore() || !last);
            if (!batch.append(statsPart, last)) {
                postReports();
                // An empty batch holds any part (volumesPerPart is sized for that).
                batch.append(statsPart, last);
            }
            first += count;
        } while (first < volumes);
        session.fedBy = this;
        session.fedBatch = batchesPosted;
    }

    /**
     * Posts the batch gathered so far as one services call, waiting for room until this turn's deadline; what the
     * mailbox has no room for by then is counted and logged, entry by entry.
     */
    private void postReports() {
        if (batch.isEmpty()) {
            return;
        }
        batch.seal();
        long wait = Math.max(0, waitUntilNanos - System.nanoTime());
        if (services.post(
                MailboxOpcodes.SERVICES_STATS_BATCH, batch.firstGatewayId(), batch, daemon.pairShare(), wait)) {
            daemon.counters().reportsForwarded.add(batch.framesEnded());
            daemon.counters().reportBatchesPosted.increment();
        } else {
            batch.forEachDropped(dropped);
        }
        batch.reset();
        batchesPosted++;
        releaseHeld();
    }

    /**
     * The batch is out: the sessions whose reports it held may be read by any thread again (the one being read aside).
     */
    private void releaseHeld() {
        int kept = 0;
        for (int i = 0; i < heldCount; i++) {
            Session session = held[i];
            held[i] = null;
            if (session == reading) {
                held[kept++] = session;
            } else {
                session.reader.set(null);
            }
        }
        heldCount = kept;
    }

    private void protocolViolation(Session session, String what) {
        daemon.counters().framesRefused.increment();
        daemon.closeSession(session, "protocol violation: " + what);
    }

    /** How long this thread's read-and-decode passes took, one per gateway served; drained by the conductor. */
    ProcessingTimes processingTimes() {
        return processingTimes;
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    void closeSelector() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing at shutdown
        }
    }

    /** Copies the frame the decoder just returned into a mailbox slot. One per thread, reused. */
    static final class FrameCopy implements ParamWriter {
        private ByteBuffer buffer;
        private int offset;
        private int length;

        void of(FrameDecoder decoder) {
            this.buffer = decoder.buffer();
            this.offset = decoder.frameOffset();
            this.length = decoder.frameLength();
        }

        @Override
        public int write(MemorySegment region) {
            if (buffer.hasArray()) {
                MemorySegment.copy(
                        MemorySegment.ofArray(buffer.array()), buffer.arrayOffset() + offset, region, 0, length);
            } else {
                // ofBuffer covers position..limit; a cleared duplicate covers the whole buffer.
                MemorySegment.copy(MemorySegment.ofBuffer(buffer.duplicate().clear()), offset, region, 0, length);
            }
            return length;
        }
    }
}
