package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.pki.TlsException;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

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
    /**
     * The selector hands each readable key to {@link #gather} as it selects, instead of adding it to its selected-key
     * set: no set entry is allocated, and none iterated and removed, per gateway and sweep.
     */
    private final Consumer<SelectionKey> gatherer = this::gather;
    /** The sessions in session the selection put on {@link #ready} so far this turn. */
    private int gathered;
    /** Readable keys of sessions not in session (handshakes need their key), served once the selection is over. */
    private final ArrayDeque<SelectionKey> setupReadable = new ArrayDeque<>();

    private static final System.Logger LOG = System.getLogger(InboundThread.class.getName());
    /** The TLS handshake and the frames before a session: HELLO, AUTH or ENROLL, VOLUMES. */
    private final SessionSetup setup;
    /** The frames of gateways in session: reports batched for the services, events, acknowledgements. */
    private final ReportForwarder reports;
    /**
     * How long reports may wait for room in the services' mailbox in one turn of the loop, all of them together: half a
     * poll interval (at most a second), then what does not fit is dropped (and counted), so a services process that
     * stays behind never holds this thread for longer.
     */
    private final long reportWaitNanos;
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
    /** This pair's caller index in the services' mailbox, whose replies this thread collects. */
    private final ServicesLink.PairCaller services;
    /**
     * The sessions in session the selector found readable this turn; idle inbound threads of other pairs may take some.
     */
    private final ReadySessions ready;
    /** True while this thread sleeps in its selector with nothing gathered: a busy pair may wake it to share work. */
    private volatile boolean idle;
    /** Balancing by load (MonitorContext.balanceByLoad): work sharing on. */
    private final boolean shareWork;
    /**
     * A pair with at least this many gateways ready in a turn wakes an idle inbound thread, which takes up to half of
     * those not yet read. Fewer are not worth a wake-up and the hand-over: the owner gets through them first.
     */
    static final int SHARE_FROM = 8;

    private static final Consumer<SelectionKey> IGNORE_READY = key -> {};

    InboundThread(MonitorDaemon daemon, LoopWatch watch, ServicesLink.PairCaller services, int maxSessions) {
        this.daemon = daemon;
        this.watch = watch;
        this.services = services;
        this.ready = new ReadySessions(maxSessions + 1);
        this.shareWork = daemon.context().balanceByLoad();
        CertificateIssuer certificates = new CertificateIssuer(daemon);
        this.setup = new SessionSetup(daemon, certificates);
        this.reports = new ReportForwarder(daemon, this, services, setup, certificates);
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
            reports.beginTurn(System.nanoTime() + reportWaitNanos);
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
                daemon.pairs().wakeIdleInbound(this);
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
        reports.postReports();
    }

    /**
     * One readable key, as the selection finds it: a session in session goes to {@link #ready}, any other (a handshake,
     * or one the list has no room for) is served after the selection, with its key.
     */
    private void gather(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Session session = (Session) key.attachment();
        if (session.inSession() && gathered < ready.capacity()) {
            ready.put(gathered++, session);
        } else {
            setupReadable.add(key);
        }
    }

    /**
     * Publishes what the selection gathered on {@link #ready} and reads the sessions set aside (a session in its
     * handshake is read at once, its key being needed). Returns how many went on the list.
     */
    private int takeSelected() {
        int count = gathered;
        gathered = 0;
        ready.publish(count);
        SelectionKey key;
        while ((key = setupReadable.poll()) != null) {
            if (key.isValid()) {
                serve((Session) key.attachment(), key);
            }
        }
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
        reports.reading(session);
        try {
            read(session, key);
        } catch (RuntimeException e) {
            // A fault while serving one gateway ends that session, never this thread.
            daemon.closeSession(session, "internal error: " + e);
        } finally {
            reports.reading(null);
        }
        if (reports.feeds(session)) {
            if (fresh) {
                reports.hold(session);
            }
        } else {
            if (!fresh) {
                reports.forgetHeld(session);
            }
            session.reader.set(null);
        }
        return true;
    }

    /**
     * Work sharing, when this thread's selector found nothing to read: takes up to half the sessions the busiest other
     * pair has ready and not yet read, from the back of its list (its own thread works from the front), reads them and
     * posts their reports before it gives their tokens back.
     */
    private void shareFromBusiest() {
        InboundThread busiest = daemon.pairs().busiestInbound(this);
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
            reports.postReports();
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
     * wait ends with nothing to read (or a wake-up), or after {@link ReportForwarder#TURNS_PER_BATCH} turns. So one
     * services call (one slot, one doorbell that may wake the services, one reply that may wake the drain thread)
     * carries what a sweep's answers bring in over a millisecond, not what one turn happened to find ready. The thread
     * then does not sleep: a wake-up the short wait took (a registration, a departure) is seen next turn.
     */
    private int awaitReadable() throws IOException {
        if (!reports.hasReports()) {
            idle = true;
            int selected = selector.select(gatherer, 100);
            idle = false;
            return selected;
        }
        if (!reports.mayWaitAnotherTurn()) {
            reports.postReports();
            // Did not look: not idle.
            return -1;
        }
        int selected = selector.select(gatherer, LINGER_MILLIS);
        if (selected == 0) {
            reports.postReports();
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
                // Flushes the cancellations. Keys it finds readable are left: level-triggered, they show again.
                selector.selectNow(IGNORE_READY);
            } catch (IOException e) {
                throw new UncheckedIOException("inbound selector failed", e);
            }
        }
        if (!departing.isEmpty()) {
            // Before a departing session moves to another pair, so its reports keep their order.
            reports.postReports();
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
        if (session.tls != null && !session.tls.isEstablished() && !setup.handshake(session, key)) {
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
     * The frame dispatch: a frame of a session being set up goes to {@link SessionSetup} (and a session it opened has
     * its volumes announced), a frame in session to {@link ReportForwarder}.
     */
    private void onFrame(Session session, FrameDecoder decoder) {
        session.lastHeardAt = daemon.clock().epochMillis();
        FrameType type = decoder.frameType();
        switch (session.state) {
            case AWAIT_HELLO -> setup.hello(session, decoder, type);
            case AWAIT_AUTH -> setup.auth(session, decoder, type);
            case AWAIT_VOLUMES -> {
                if (setup.volumes(session, decoder, type)) {
                    reports.announceVolumes(session);
                }
            }
            case IN_SESSION -> reports.onSessionFrame(session, decoder, type);
            case REFERRED, CLOSED -> {}
        }
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
}
