package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.common.SourceAddresses;
import io.sluice.pki.TlsContexts;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLEngine;

/**
 * The acceptor thread ({@code monitor-acceptor}) and the places of connections that have not authenticated: the caps on
 * them ({@link UnauthenticatedConnections}), the bound on TLS handshakes in progress ({@link HandshakeSlots}) and their
 * deadline. A new connection gets a session on the pair {@link PairLoads#place} picks. See CONCURRENCY.md.
 */
final class ConnectionAcceptor {
    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    /** How long the acceptor waits for room among the handshakes in progress before it looks at {@link #running}. */
    private static final long HANDSHAKE_ROOM_WAIT_MILLIS = 100;

    private static final int NO_TICKETS_SESSION_SECONDS = 7 * 24 * 3600 + 1;

    private final MonitorDaemon daemon;
    private final MonitorContext context;
    private final MonitorCounters counters;
    private final Map<Integer, Session> sessions;
    private final ThreadPairs pairs;
    private final PairLoads loads;
    private final UnauthenticatedConnections unauthenticated;
    /** With TLS: the bound on handshakes in progress, which the acceptor waits on before accepting. */
    private final HandshakeSlots handshakeSlots;
    /** The sessions holding a place among the unauthenticated connections: at most the cap, swept by the conductor. */
    private final Set<Session> handshaking = ConcurrentHashMap.newKeySet();

    private final AtomicInteger nextSessionId = new AtomicInteger();
    private final LoopWatch watch = new LoopWatch("monitor-acceptor");
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean running = true;

    ConnectionAcceptor(
            MonitorDaemon daemon,
            MonitorContext context,
            MonitorCounters counters,
            Map<Integer, Session> sessions,
            ThreadPairs pairs,
            PairLoads loads) {
        this.daemon = daemon;
        this.context = context;
        this.counters = counters;
        this.sessions = sessions;
        this.pairs = pairs;
        this.loads = loads;
        if (context.tls() != null) {
            // No TLS 1.3 session tickets, so no resumption: every connection shows its certificate to the trust
            // manager, which checks the revocation list (JSSE sends no ticket when the timeout exceeds 7 days).
            context.tls().context().getServerSessionContext().setSessionTimeout(NO_TICKETS_SESSION_SECONDS);
        }
        this.unauthenticated = new UnauthenticatedConnections(
                context.unauthenticated().connections(),
                context.unauthenticated().perSource());
        this.handshakeSlots = new HandshakeSlots(
                context.unauthenticated().handshakes(),
                context.unauthenticated().handshakesPerSource());
    }

    /** Listens where the context says and starts the acceptor thread. */
    void start() {
        try {
            this.server = ServerSocketChannel.open();
            server.bind(context.listen(), 4096);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + context.listen(), e);
        }
        this.acceptor = watch.newThread(this::accept);
        acceptor.start();
    }

    /** Where gateways connect (the bound port when the context asked for port 0). */
    InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The acceptor's problem (dead; it may wait in {@code accept()} as long as it likes), or null. */
    String problem(long nowNanos) {
        return watch.problem(nowNanos, Long.MAX_VALUE);
    }

    int unauthenticatedConnections() {
        return unauthenticated.open();
    }

    HandshakeSlots handshakeSlots() {
        return handshakeSlots;
    }

    /**
     * Accepts connections. With TLS it first waits for room among the handshakes in progress: at the bound, new
     * connections stay in the kernel's accept queue, where they cost no CPU and no deadline runs, and the handshakes
     * already started get the CPU to finish.
     */
    private void accept() {
        boolean tls = context.tls() != null;
        boolean atBound = false;
        while (running) {
            if (tls) {
                if (!handshakeSlots.hasRoom()) {
                    if (!atBound) {
                        atBound = true;
                        counters.handshakeBoundReached.increment();
                    }
                    awaitHandshakeRoom();
                    continue;
                }
                atBound = false;
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (running) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                continue;
            }
            admit(channel, tls);
        }
    }

    private void awaitHandshakeRoom() {
        try {
            handshakeSlots.awaitRoom(HANDSHAKE_ROOM_WAIT_MILLIS);
        } catch (InterruptedException e) {
            // Only close() stops the acceptor; it clears running first.
            Thread.interrupted();
        }
    }

    /**
     * Gives a new connection its session, or closes it at once if a cap is reached. With TLS the session takes a place
     * among the handshakes in progress (there is room: the acceptor waited for it, and only it takes places from the
     * pool), unless its address holds its share: then it waits for one of its address's places.
     */
    private void admit(SocketChannel channel, boolean tls) {
        InetAddress source = null;
        try {
            if (sessions.size() >= context.maxConnections()) {
                counters.connectionsRefused.increment();
                refuse(channel, null, false);
                return;
            }
            source = SourceAddresses.partyOf(((InetSocketAddress) channel.getRemoteAddress()).getAddress());
            if (!unauthenticated.tryTake(source)) {
                // Nothing is allocated for a connection beyond the caps: closed before it says a word.
                counters.unauthenticatedRefused.increment();
                refuse(channel, null, false);
                return;
            }
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            refuse(channel, source, false);
            return;
        }
        if (tls && !handshakeSlots.takeOrPark(channel, source)) {
            counters.handshakesWaited.increment();
            return;
        }
        startSession(channel, source, tls);
    }

    /**
     * Starts the session of an admitted connection: its handshake deadline runs from now. The acceptor calls it, and so
     * does whichever thread gives a handshake place back to a connection waiting for one.
     */
    private void startSession(SocketChannel channel, InetAddress source, boolean tls) {
        if (!running) {
            refuse(channel, source, tls);
            return;
        }
        try {
            // A monitor that signs certificates lets a gateway without one in, for ENROLL alone.
            SSLEngine engine = tls
                    ? TlsContexts.serverEngine(
                            context.tls().context(),
                            context.tls().certificates() == null
                                    ? TlsContexts.ClientAuth.REQUIRED
                                    : TlsContexts.ClientAuth.OPTIONAL)
                    : null;
            Session session;
            ThreadPair pair;
            synchronized (pairs.choiceLock()) {
                pair = loads.place();
                session = new Session(
                        nextSessionId.incrementAndGet(),
                        channel,
                        source,
                        engine,
                        pair,
                        context.maxFrameLength(),
                        context.clock().epochMillis());
                handshaking.add(session);
                sessions.put(session.id, session);
                pair.added();
            }
            counters.connectionsAccepted.increment();
            pair.inbound().register(session);
        } catch (RuntimeException e) {
            // One connection's trouble must not stop the acceptor: drop it and go on accepting.
            LOG.log(System.Logger.Level.WARNING, "dropped a new connection: " + e, e);
            refuse(channel, source, tls);
        }
    }

    /**
     * Closes a connection that got no session, giving back its unauthenticated place (if it took one) and its handshake
     * place.
     */
    private void refuse(SocketChannel channel, InetAddress source, boolean heldHandshakePlace) {
        closeQuietly(channel);
        if (source != null) {
            unauthenticated.giveBack(source);
        }
        if (heldHandshakePlace) {
            giveBackHandshakePlace(source);
        }
    }

    /** A handshake place of {@code source} is free: a connection waiting for it, if any, starts its handshake now. */
    private void giveBackHandshakePlace(InetAddress source) {
        HandshakeSlots.Waiting next = handshakeSlots.giveBack(source);
        if (next != null) {
            startSession(next.channel(), next.source(), true);
        }
    }

    /**
     * Called by an inbound thread once a gateway has proved its key and is admitted: it no longer counts as
     * unauthenticated.
     */
    void authenticated(Session session) {
        releaseHandshakePlace(session);
    }

    /**
     * Called by an inbound thread when a session's TLS handshake is done (whatever the certificate turns out to say):
     * the CPU-heavy part is over, so the next connection may be accepted.
     */
    void tlsHandshakeDone(Session session) {
        if (session.handshakeSlot.compareAndSet(true, false)) {
            giveBackHandshakePlace(session.source);
        }
    }

    /** Gives back the session's place among the unauthenticated connections, if it still holds it. */
    void releaseHandshakePlace(Session session) {
        if (session.unauthenticated.compareAndSet(true, false)) {
            handshaking.remove(session);
            unauthenticated.giveBack(session.source);
        }
    }

    /** Closes the connections that have not authenticated within the handshake timeout; the conductor's step. */
    void closeUnfinishedHandshakes(long now) {
        for (Session session : handshaking) {
            if (now - session.connectedAt > context.handshakeTimeoutMillis()) {
                handshakeTimedOut(session);
            }
        }
    }

    void handshakeTimedOut(Session session) {
        if (!session.isClosed()) {
            counters.handshakeTimeouts.increment();
        }
        daemon.closeSession(session, "handshake not finished in time");
    }

    /**
     * Clears {@link #running} first, so a handshake place handed on during shutdown closes its connection instead of
     * starting it.
     */
    void stopAccepting() {
        running = false;
    }

    /** Closes the listening socket and waits for the acceptor thread. */
    void closeServer() throws InterruptedException {
        closeQuietly(server);
        acceptor.join(2_000);
    }

    /** Closes the connections still waiting for a handshake place, giving their places back. */
    void closeWaiting() {
        for (HandshakeSlots.Waiting waiting : handshakeSlots.drainWaiting()) {
            closeQuietly(waiting.channel());
            unauthenticated.giveBack(waiting.source());
        }
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // a socket that fails to close is gone either way
        }
    }
}
