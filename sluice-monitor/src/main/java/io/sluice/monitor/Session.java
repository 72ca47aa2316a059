package io.sluice.monitor;

import io.sluice.pki.TlsChannel;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Challenge;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.Peer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;

/**
 * One gateway connection. Fields are grouped by the thread that owns them (see CONCURRENCY.md): the inbound thread
 * decodes and authenticates; the outbound thread encodes and writes; anyone may ask the outbound thread for work by
 * setting a request field and calling {@link #schedule()}.
 */
final class Session {
    /** REFERRED: a standby answered HELLO with STANDBY and closes once it is out; nothing more is read. */
    enum State {
        AWAIT_HELLO,
        AWAIT_AUTH,
        AWAIT_VOLUMES,
        IN_SESSION,
        REFERRED,
        CLOSED
    }

    /** A THROTTLE_SET frame to send, and the mailbox call waiting for its acknowledgement (0: none). */
    record PendingThrottle(byte[] frame, long mailboxHandle) {}

    /** A certificate issued (DER, reason NONE) or why none was. */
    record CertificateAnswer(byte[] certificate, AuthReason reason) {}

    final int id;
    final SocketChannel channel;
    /** TLS over {@link #channel}, or null in insecure-plaintext mode. Its handshake is the inbound thread's alone. */
    final TlsChannel tls;
    /** What frames are read from and written to: {@link #tls}, or the bare channel. */
    final ByteChannel link;
    /** The gateway the client certificate names (0 before the handshake, and without TLS). Inbound thread. */
    long certifiedGatewayId;
    /**
     * TLS without a client certificate, which the monitor lets through only to enroll for one: HELLO, CHALLENGE,
     * ENROLL, CERTIFICATE, close. Never authenticated, so it stays under the unauthenticated caps and deadline.
     */
    boolean enrolling;
    /** The client certificate's serial, for closing the session when it is revoked; null without TLS. */
    volatile BigInteger certificateSerial;
    /**
     * When the client certificate expires (epoch ms), for closing the session then: it lives no longer than the
     * certificate it was authenticated with (a renewed one is used from the next connection); 0 without one.
     */
    volatile long certificateNotAfter;
    /** Changes only in a migration, under the hand-over described in CONCURRENCY.md. */
    volatile ThreadPair pair;
    /** Set by the conductor to move this session to another pair; cleared when the move is done. */
    volatile ThreadPair migrateTo;
    /**
     * When the connection was accepted: with TLS, only once there was room for its handshake, so the handshake deadline
     * counts from here, not from the time it waited in the accept queue.
     */
    final long connectedAt;
    /** What the connection counts as against the caps on unauthenticated connections (its address, or IPv6 /64). */
    final InetAddress source;
    /** True while the connection holds a place among the unauthenticated ones; given back once. */
    final AtomicBoolean unauthenticated = new AtomicBoolean(true);
    /**
     * True while the connection holds a place among the TLS handshakes in progress (never without TLS); given back
     * once.
     */
    final AtomicBoolean handshakeSlot;

    volatile State state = State.AWAIT_HELLO;
    volatile long gatewayId;
    /** Volumes the gateway's HELLO announced (its VOLUMES must carry as many). */
    long helloVolumes;
    /** A copy of HELLO (at most the handshake's frame limit), kept until AUTH is answered. */
    ByteBuffer hello;
    /** A copy of VOLUMES, kept until the services have been told the volumes. */
    ByteBuffer volumes;
    /**
     * The gateway's name and the ids the server assigned to its volumes, in VOLUMES' order; set before VOLUME_IDS goes
     * out.
     */
    volatile String gatewayName;
    /** HELLO's capabilities word, passed on to the services with the volumes; set with the name. */
    volatile long capabilities;

    volatile int[] volumeIds;
    /**
     * {@link #volumeIds} without the refused ones (VolumeIdsDescriptor.REFUSED), in the order of {@link #volumes},
     * which holds only their entries: what the services are told. Inbound thread.
     */
    int[] announcedIds = new int[0];
    /** {@link #announcedIds} sorted: the only volumes this gateway may report on. Inbound thread. */
    int[] declaredIds = new int[0];
    /**
     * Whether the services have been told the session's volumes (names, ids); an inbound thread retries until they
     * have.
     */
    volatile boolean volumesAnnounced;

    volatile long lastHeardAt;

    // ---- inbound: the thread holding the reader token
    /**
     * The inbound thread that reads this session now, or whose unposted report batch holds some of its reports; null
     * when none. Whoever reads takes it first (compare-and-set from null, or holds it already) and gives it back once
     * the reports of its reads are posted, so one thread reads a session at a time and a gateway's reports are posted
     * in the order it sent them, whichever thread read them (work sharing, CONCURRENCY.md). It also orders the
     * decoder's state from one holder to the next.
     */
    final AtomicReference<InboundThread> reader = new AtomicReference<>();
    /**
     * The inbound thread whose batch this session's reports last went into, and which of its batches. Token holder
     * only.
     */
    InboundThread fedBy;

    long fedBatch;
    /** The gateway's last complete report sequence (ReportSequences), found at its first report. Token holder only. */
    ReportSequences.Last lastReport;
    /**
     * Time threads spent on this gateway (reading and decoding its frames, encoding and writing to it), nanoseconds.
     */
    final AtomicLong busyNanos = new AtomicLong();

    final FrameDecoder decoder;
    final Challenge challenge = new Challenge();

    // ---- requests to the outbound thread (any thread sets, then schedules)
    volatile boolean challengeDue;
    /**
     * A standby's STANDBY naming the active (MonitorRole), in place of CHALLENGE; the connection closes once it is out.
     */
    volatile boolean standbyDue;

    volatile AuthOutcome authOutcomeDue;
    volatile AuthReason authReasonDue;
    volatile boolean volumeIdsDue;
    /** A CERTIFICATE to send (ENROLL's or RENEW's answer); an enrolling connection closes once it is out. */
    volatile CertificateAnswer certificateDue;

    final AtomicLong pollDue = new AtomicLong();
    final Queue<PendingThrottle> throttlesDue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // ---- outbound thread
    long sendSequence = 1;
    /** Bytes written to the socket only in part: kept until the socket takes them. */
    ByteBuffer backlog;

    SelectionKey writeKey;
    volatile int backlogBytes;
    /**
     * Set as a refusal is encoded: once the bytes written so far (the refusal last) are out, the connection closes. Set
     * by the outbound thread itself, so a refusal decided while an earlier frame is being written never closes the
     * connection before the refusal has been written too.
     */
    boolean closeWhenFlushed;

    // ---- conductor: the cost measured for balancing (PairBalancer)
    /** {@link #busyNanos} at the last measure. */
    long busySeenNanos;
    /** The smoothed share of a thread this gateway takes; NaN until measured over an interval. */
    double cost = Double.NaN;

    // ---- poll tracking: the conductor sends, the inbound thread records answers
    volatile long lastPollSent;
    volatile long lastPollAnswered;
    int missedPolls;
    boolean unreachable;

    /** Throttle command id (the mailbox handle) -> waiting mailbox call. */
    final Map<Long, Long> awaitingAck = new ConcurrentHashMap<>();

    private final AtomicBoolean closed = new AtomicBoolean();

    Session(
            int id,
            SocketChannel channel,
            InetAddress source,
            SSLEngine engine,
            ThreadPair pair,
            int maxFrameLength,
            long now) {
        this.id = id;
        this.source = source;
        this.channel = channel;
        // A post-handshake message the inbound thread read may need an answer only a write produces.
        this.tls = engine == null ? null : new TlsChannel(channel, engine, this::schedule);
        this.handshakeSlot = new AtomicBoolean(tls != null);
        this.link = tls == null ? channel : tls;
        this.pair = pair;
        this.connectedAt = now;
        this.lastHeardAt = now;
        this.decoder = FrameDecoder.forConnection(Peer.GATEWAY, maxFrameLength, 512, 0);
    }

    /** Puts this session on its outbound thread's queue unless it is there already. */
    void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            pair.outbound().enqueue(this);
        }
    }

    /** Called by the outbound thread as it takes the session off its queue, before doing its work. */
    void unschedule() {
        scheduled.set(false);
    }

    /** True for the one caller that closes the session. */
    boolean markClosed() {
        if (closed.compareAndSet(false, true)) {
            state = State.CLOSED;
            return true;
        }
        return false;
    }

    boolean isClosed() {
        return closed.get();
    }

    boolean inSession() {
        return state == State.IN_SESSION;
    }

    @Override
    public String toString() {
        return "session " + id + " (gateway " + gatewayId + ", " + state + ")";
    }
}
