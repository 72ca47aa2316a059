package io.sluice.monitor;

import io.sluice.common.EpochClock;
import io.sluice.common.LoopWatch;
import io.sluice.common.SourceAddresses;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StandbyWriter;
import io.sluice.protocol.ThrottleSetDescriptor;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;

/**
 * The performance monitor daemon: the only part of the SLA server that talks to gateways. Starts, in order, its
 * mailboxes, thread pairs, the conductor (poll cycle and pair sizing), the acceptor and the mailbox service; closes
 * them in reverse. See CONCURRENCY.md for who owns what.
 */
public final class MonitorDaemon implements AutoCloseable {
    public static final MailboxGeometry MONITOR_MAILBOX = ServerMailboxes.MONITOR;
    public static final MailboxGeometry SERVICES_MAILBOX = ServerMailboxes.SERVICES;
    private static final long SIZING_INTERVAL_MILLIS = 2_000;
    /**
     * How long the acceptor waits for room among the handshakes in progress before it looks at {@link #running} again.
     */
    private static final long HANDSHAKE_ROOM_WAIT_MILLIS = 100;
    /** How often unauthenticated connections are checked against the handshake timeout. */
    private static final long HANDSHAKE_SWEEP_MILLIS = 100;

    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    private static final long DROP_LOG_MILLIS = 10_000;
    /** A loop thread that has not turned for this long is stuck: every loop turns at least every 100 ms. */
    static final long STALL_MILLIS = 10_000;

    private final AtomicLong dropLoggedAt = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong refuseLoggedAt = new AtomicLong(Long.MIN_VALUE / 2);

    private final MonitorContext context;
    /** A standby's STANDBY names this (MonitorRole.activeAddress), prepared once: a refusal allocates nothing. */
    private final byte[] activeAddressBytes;
    /** The context's role until a standby is promoted ({@link #promote}); read by every thread, written by one. */
    private volatile MonitorRole role;

    private final MonitorCounters counters = new MonitorCounters();
    private final GatewayRegistry registry;
    private final VolumeIdentities volumeIdentities;
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Long, Session> sessionsByGateway = new ConcurrentHashMap<>();
    /** Moves asked for through {@link #moveGateway}, {gateway id, pair index}: the conductor applies them. */
    private final Queue<long[]> movesRequested = new ConcurrentLinkedQueue<>();

    private final UnauthenticatedConnections unauthenticated;
    /** With TLS: the bound on handshakes in progress, which the acceptor waits on before accepting. */
    private final HandshakeSlots handshakeSlots;
    /** The sessions holding a place among the unauthenticated connections: at most the cap, swept by the conductor. */
    private final Set<Session> handshaking = ConcurrentHashMap.newKeySet();
    /** The latest THROTTLE_SET frame per gateway, re-sent when it (re)connects. */
    private final DesiredThrottles desiredThrottles =
            new DesiredThrottles(ThrottleSetDescriptor.maxVolumes(MONITOR_MAILBOX.paramCapacity()));

    private final List<ThreadPair> pairs = new CopyOnWriteArrayList<>();
    /** The pairs' inbound threads, for work sharing: replaced (never changed) as pairs come and go. */
    private volatile InboundThread[] inbounds = new InboundThread[0];
    /** The average cost of a session at the last measure (PairBalancer), for placing gateways not measured yet. */
    private volatile double averageSessionCost;

    private long lastMeasureAt;
    /** The formula and its hysteresis; null when the context fixes the number of pairs. */
    private final ThreadPairSizing sizing;
    /** The pair being emptied before it stops (always the last), or null. Set and cleared by the conductor. */
    private volatile ThreadPair retiring;
    /**
     * Held while a new session picks its pair and counts itself on it, and while the conductor stops an empty retiring
     * pair, so no session lands on a pair that is stopping.
     */
    private final Object pairChoice = new Object();

    private final ReportSequences reportSequences = new ReportSequences(counters);
    private final AtomicInteger nextSessionId = new AtomicInteger();
    private final Mailbox monitorMailbox;
    private final Mailbox servicesMailbox;
    private final ServicesLink services;
    private final MailboxCallee callee;
    private final MailboxService mailboxService;
    private final PollScheduler pollScheduler;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Thread conductor;
    private final LoopWatch acceptorWatch = new LoopWatch("monitor-acceptor");
    private final LoopWatch conductorWatch = new LoopWatch("monitor-conductor");
    private volatile boolean running = true;
    /**
     * Why the most recent connections were closed. Several rather than the last one alone: sessions close on different
     * threads, so a neighbour's end of stream may be recorded after the close a caller waits for.
     */
    private final RecentReasons recentCloseReasons = new RecentReasons(RECENT_CLOSE_REASONS);

    static final int RECENT_CLOSE_REASONS = 64;

    public MonitorDaemon(MonitorContext context) {
        this.context = context;
        this.activeAddressBytes = StandbyWriter.addressBytes(context.role().activeAddress());
        this.role = context.role();
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
        // In the database (read now, through the database manager's mailbox), else in the file.
        this.registry = new GatewayRegistry(
                context.approvedGateways(),
                context.enrollmentTokens(),
                context.sharedVolumes(),
                context.registryFile(),
                context.registryDatabase() == null
                        ? null
                        : new AdmissionLink(context.registryDatabase(), context.clock()));
        this.volumeIdentities = new VolumeIdentities(
                context.registryFile() == null ? null : context.registryFile().resolveSibling("volumes.identities"),
                VolumeIdentities.namesPerGateway(context.maxVolumesPerGateway()),
                VolumeIdentities.MAX_NAMES,
                // With the registry in the database, the volume ids too (the old file imported at the first use).
                registry.databaseLink());
        this.monitorMailbox = Mailbox.openOrCreate(context.monitorMailbox(), MONITOR_MAILBOX, context.clock());
        this.servicesMailbox = Mailbox.openOrCreate(context.servicesMailbox(), SERVICES_MAILBOX, context.clock());
        // Every pair index has its caller from the start, so the calls a predecessor's pairs left are collected.
        this.services = new ServicesLink(
                servicesMailbox,
                context.servicesCallerIndex(),
                ServerMailboxes.CALLER_MONITOR_PAIRS,
                ServerMailboxes.MONITOR_PAIR_CALLERS,
                counters);
        if (services.inherited() > 0) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "the services'' mailbox holds " + services.inherited()
                            + " calls of the monitor before this one: their replies are collected with this monitor''s");
        }
        // Before any gateway is measured, the first count assumes 200 us a gateway (docs/design.md, "The monitor's
        // thread pairs").
        this.sizing = context.pairs() > 0
                ? null
                : new ThreadPairSizing(
                        ThreadPairSizing.Settings.defaults(context.pairCeiling()),
                        ThreadPairSizing.pairs(
                                context.expectedGateways(), ThreadPairSizing.DEFAULT_QUANTUM_MILLIS, 200));
        int initialPairs = sizing == null ? context.pairs() : sizing.pairs();
        for (int i = 0; i < initialPairs; i++) {
            pairs.add(new ThreadPair(i, this, context.maxConnections()).start());
        }
        publishInbounds();
        this.lastMeasureAt = clock().epochMillis();
        this.pollScheduler =
                new PollScheduler(this, context.pollIntervalMillis(), context.missLimit(), clock().epochMillis());
        this.conductor = conductorWatch.newThread(this::conduct);
        conductor.start();
        try {
            this.server = ServerSocketChannel.open();
            server.bind(context.listen(), 4096);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + context.listen(), e);
        }
        this.acceptor = acceptorWatch.newThread(this::accept);
        acceptor.start();
        this.callee = MailboxCallee.attach(monitorMailbox);
        this.mailboxService =
                new MailboxService(callee, new MonitorRequestHandler(this), 20_000, "monitor-mailbox").start();
    }

    /** What a standby's STANDBY names: the active's address bytes, empty when none is known. Shared, never written. */
    byte[] activeAddressBytes() {
        return activeAddressBytes;
    }

    /** A standby's STANDBY: go to the named active at once, or ask again after a takeover's worth of time. */
    int standbyRetryAfterMillis() {
        return activeAddressBytes.length > 0 ? 0 : MonitorRole.NO_ACTIVE_RETRY_AFTER_MILLIS;
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * What is wrong inside the daemon: a thread of a pair, the conductor, the acceptor or the mailbox service that
     * died, or a loop that has not turned for {@link #STALL_MILLIS}. Empty when healthy. A dead pair would strand its
     * gateways while the mailbox heartbeat goes on, so the role stops ({@code MonitorCommand}) and its supervisor
     * starts it afresh.
     */
    public List<String> problems() {
        long now = System.nanoTime();
        long stall = TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
        List<String> problems = new ArrayList<>();
        for (ThreadPair pair : pairs) {
            String problem = pair.problem(now, stall);
            if (problem != null) {
                problems.add(problem);
            }
        }
        for (String problem : new String[] {
            conductorWatch.problem(now, stall), acceptorWatch.problem(now, Long.MAX_VALUE), services.problem(now, stall)
        }) {
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (!mailboxService.isRunning()) {
            problems.add("monitor-mailbox stopped: " + mailboxService.failure());
        }
        return problems;
    }

    // ---------------------------------------------------------------- accessors for the threads

    MonitorContext context() {
        return context;
    }

    /** Active at its epoch, or standby; the context's role until {@link #promote}. Any thread. */
    public MonitorRole role() {
        return role;
    }

    /**
     * A standby becomes active at {@code epoch} (MONITOR_PROMOTE): HELLOs read from now on are challenged, and
     * AUTH_RESULT and THROTTLE_SET carry the epoch. A standby has no sessions; its gateway registry, read from the
     * database when it started, is read again (on the registry's thread), so approvals, revocations and tokens used at
     * the server it takes over from are in force. Refused (false) by an active monitor: leaving the active role, or
     * changing epoch, is a restart.
     */
    public synchronized boolean promote(long epoch) {
        if (!role.standby() || epoch < 0) {
            return false;
        }
        role = MonitorRole.active(epoch);
        registry.reload();
        return true;
    }

    public MonitorCounters counters() {
        return counters;
    }

    EpochClock clock() {
        return context.clock();
    }

    VolumeIdentities volumeIdentities() {
        return volumeIdentities;
    }

    GatewayRegistry registry() {
        return registry;
    }

    ServicesLink services() {
        return services;
    }

    ThreadPair pair(int index) {
        return pairs.get(index);
    }

    /** {@code gatewayId}'s session, or null without one. */
    Session session(long gatewayId) {
        return sessionsByGateway.get(gatewayId);
    }

    /** How many calls one pair may have in the services' mailbox ({@link ServicesLink#share}). */
    int pairShare() {
        return ServicesLink.share(SERVICES_MAILBOX.slotCount(), pairs.size());
    }

    private void publishInbounds() {
        inbounds = pairs.stream().map(ThreadPair::inbound).toArray(InboundThread[]::new);
    }

    /**
     * Wakes one inbound thread other than {@code busy} that sleeps with nothing to do, to share the busy one's work.
     */
    void wakeIdleInbound(InboundThread busy) {
        for (InboundThread inbound : inbounds) {
            if (inbound != busy && inbound.wakeIfIdle()) {
                return;
            }
        }
    }

    /** The inbound thread other than {@code idle} with the most sessions ready and untaken (at least two), or null. */
    InboundThread busiestInbound(InboundThread idle) {
        InboundThread busiest = null;
        int most = 1;
        for (InboundThread inbound : inbounds) {
            int remaining = inbound.readyRemaining();
            if (inbound != idle && remaining > most) {
                busiest = inbound;
                most = remaining;
            }
        }
        return busiest;
    }

    ReportSequences reportSequences() {
        return reportSequences;
    }

    PollScheduler pollScheduler() {
        return pollScheduler;
    }

    /** Where gateways connect (the bound port when the context asked for port 0). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int pairCount() {
        return pairs.size();
    }

    private static final int NO_TICKETS_SESSION_SECONDS = 7 * 24 * 3600 + 1;

    /**
     * The index of the pair that serves {@code gatewayId}'s session (the one it is moving to, if it is), or -1 without
     * a session: where a gateway landed, for diagnostics and the benchmark.
     */
    public int pairOf(long gatewayId) {
        Session session = sessionsByGateway.get(gatewayId);
        if (session == null) {
            return -1;
        }
        ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
        return pair == null ? -1 : pair.index();
    }

    /**
     * Asks the conductor to move {@code gatewayId}'s session to pair {@code pairIndex} at its next step, the same
     * two-step move as rebalancing; a gateway with no session in session then, one already there or moving, or a pair
     * that does not exist (or is retiring) is left as it is. Balancing may move it again afterwards. The benchmark uses
     * it to start a skewed fleet from the placement that counting sessions may give it: every heavy gateway on one
     * pair.
     */
    public void moveGateway(long gatewayId, int pairIndex) {
        movesRequested.add(new long[] {gatewayId, pairIndex});
    }

    /** The moves asked for since the last step. Conductor thread. */
    private void applyRequestedMoves() {
        long[] move;
        while ((move = movesRequested.poll()) != null) {
            Session session = sessionsByGateway.get(move[0]);
            List<ThreadPair> all = pairs;
            if (session == null || move[1] < 0 || move[1] >= all.size()) {
                continue;
            }
            ThreadPair target = all.get((int) move[1]);
            if (target != retiring
                    && session.pair != target
                    && session.inSession()
                    && session.migrateTo == null
                    && !session.isClosed()
                    && all.contains(session.pair)) {
                session.migrateTo = target;
                session.pair.inbound().release(session);
            }
        }
    }

    public int sessionsInSession() {
        return sessionsByGateway.size();
    }

    public int connections() {
        return sessions.size();
    }

    /** Why the gateway registry refuses every gateway (its file cannot be read), or null when it is usable. */
    public String registryUnusable() {
        return registry.unusable();
    }

    /**
     * Why the gateway registry's database could not be reached at the last call (changes are refused meanwhile,
     * gateways approved before are still admitted), or null; always null for a registry in a file.
     */
    public String registryDatabaseUnreachable() {
        return registry.dbUnreachable();
    }

    /** Reads the gateway registry from the database again (a standby taking over); nothing for a registry in a file. */
    public void reloadRegistry() {
        registry.reload();
    }

    /** Connections that have not authenticated (yet). */
    public int unauthenticatedConnections() {
        return unauthenticated.open();
    }

    /** TLS handshakes in progress now: at most {@link MonitorContext.UnauthenticatedLimits#handshakes()}. */
    public int handshakesInProgress() {
        return handshakeSlots.inProgress();
    }

    /** Connections accepted that wait for a handshake place of their address (it holds its share). */
    public int handshakesWaiting() {
        return handshakeSlots.waiting();
    }

    /** The most TLS handshakes that were in progress at once since the daemon started. */
    public int handshakesInProgressPeak() {
        return handshakeSlots.peak();
    }

    public long pendingApprovals() {
        return registry.pendingCount();
    }

    public long unreachableGateways() {
        return sessions.values().stream().filter(s -> s.unreachable).count();
    }

    // ---------------------------------------------------------------- sessions

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
            synchronized (pairChoice) {
                pair = context.balanceByLoad() ? placeByLoad() : leastLoadedPair();
                pair.placedSinceMeasure++;
                session = new Session(
                        nextSessionId.incrementAndGet(),
                        channel,
                        source,
                        engine,
                        pair,
                        context.maxFrameLength(),
                        clock().epochMillis());
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
     * The pair with the least load, counting the gateways placed since the last measure at the average cost (under
     * {@link #pairChoice}); the retiring one aside. With nothing measured, the one with the fewest sessions.
     */
    private ThreadPair placeByLoad() {
        List<ThreadPair> all = pairs;
        double[] load = new double[all.size()];
        int[] placed = new int[all.size()];
        int[] count = new int[all.size()];
        int skip = -1;
        for (int p = 0; p < load.length; p++) {
            ThreadPair pair = all.get(p);
            load[p] = pair.load();
            placed[p] = pair.placedSinceMeasure;
            count[p] = pair.sessionCount();
            skip = pair == retiring ? p : skip;
        }
        return all.get(PairBalancer.place(load, placed, count, averageSessionCost, skip));
    }

    /** The pair with the fewest sessions, the retiring one aside. */
    private ThreadPair leastLoadedPair() {
        ThreadPair skip = retiring;
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip && (best == null || pair.sessionCount() < best.sessionCount())) {
                best = pair;
            }
        }
        return best;
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

    private void releaseHandshakePlace(Session session) {
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
        closeSession(session, "handshake not finished in time");
    }

    /** Called by an inbound thread once an admitted gateway has sent its volumes and they have their ids. */
    void openSession(Session session) {
        Session previous = sessionsByGateway.put(session.gatewayId, session);
        if (previous != null && previous != session) {
            // The gateway reconnected before its old connection was noticed dead: the new one wins.
            closeSession(previous, "replaced by a new connection of the same gateway");
            sessionsByGateway.put(session.gatewayId, session);
        }
        session.state = Session.State.IN_SESSION;
        session.volumeIdsDue = true;
        desiredThrottles.retain(session.gatewayId, session.declaredIds);
        for (byte[] desired : desiredThrottles.frames(session.gatewayId)) {
            session.throttlesDue.add(new Session.PendingThrottle(desired, 0));
        }
        session.schedule();
        counters.sessionsOpened.increment();
        reportState(session.gatewayId, GatewayState.IN_SESSION, 0);
    }

    /** Closes a connection once, from whichever thread noticed; only this session is affected. */
    void closeSession(Session session, String reason) {
        if (!session.markClosed()) {
            return;
        }
        closeQuietly(session.link);
        releaseHandshakePlace(session);
        tlsHandshakeDone(session);
        sessions.remove(session.id);
        session.pair.removed();
        boolean wasCurrent = session.gatewayId != 0 && sessionsByGateway.remove(session.gatewayId, session);
        for (Long handle : session.awaitingAck.values()) {
            completeThrottle(handle, MailboxOpcodes.THROTTLE_STORED, ParamWriter.EMPTY);
        }
        session.awaitingAck.clear();
        Session.PendingThrottle pending;
        while ((pending = session.throttlesDue.poll()) != null) {
            if (pending.mailboxHandle() != 0) {
                completeThrottle(pending.mailboxHandle(), MailboxOpcodes.THROTTLE_STORED, ParamWriter.EMPTY);
            }
        }
        if (wasCurrent) {
            reportState(session.gatewayId, GatewayState.DISCONNECTED, 0);
        }
        recentCloseReasons.add(reason);
        LOG.log(System.Logger.Level.DEBUG, "closed {0}: {1}", session, reason);
    }

    /** Whether one of the recently closed connections was closed for a reason containing {@code text}. */
    boolean closedFor(String text) {
        return recentCloseReasons.anyContains(text);
    }

    /** The reasons the most recent connections were closed, oldest first. */
    List<String> recentCloseReasons() {
        return recentCloseReasons.oldestFirst();
    }

    void completeThrottle(long handle, int status, ParamWriter result) {
        callee.complete(handle, status, result);
    }

    /** Completes a deferred registry change (from the registry's thread). */
    void completeCall(long handle, int status, ParamWriter result) {
        callee.complete(handle, status, result);
    }

    /** Accepts a THROTTLE_SET frame from the services: send it, or keep it for when the gateway returns. */
    boolean submitThrottle(long gatewayId, byte[] frame, long mailboxHandle) {
        desiredThrottles.record(gatewayId, frame);
        Session session = sessionsByGateway.get(gatewayId);
        if (session == null || !session.inSession()) {
            return false;
        }
        session.throttlesDue.add(new Session.PendingThrottle(frame, mailboxHandle));
        session.schedule();
        return true;
    }

    /** Revokes the gateway and closes its session; the session is closed even when the revocation cannot be saved. */
    void revoke(long gatewayId) throws GatewayRegistry.NotSavedException {
        try {
            registry.revoke(gatewayId);
        } finally {
            Session session = sessionsByGateway.get(gatewayId);
            if (session != null) {
                closeSession(session, "revoked");
            }
        }
    }

    /**
     * Lets a gateway serve a shared volume and closes its session (if it has one), so that it registers again and gets
     * the volume now rather than at its next reconnect. Nothing is closed when the binding cannot be saved.
     */
    void bindShared(String name, long gatewayId) throws GatewayRegistry.NotSavedException {
        registry.bind(name, gatewayId);
        Session session = sessionsByGateway.get(gatewayId);
        if (session != null) {
            closeSession(session, "shared volume " + name + " bound: registering again");
        }
    }

    /**
     * Takes a shared volume from a gateway and closes the gateway's session, so that it registers again without the
     * volume at once rather than keep serving it until it next reconnects; closed even when the change cannot be saved.
     */
    void unbindShared(String name, long gatewayId) throws GatewayRegistry.NotSavedException {
        try {
            registry.unbind(name, gatewayId);
        } finally {
            Session session = sessionsByGateway.get(gatewayId);
            if (session != null) {
                closeSession(session, "shared volume " + name + " unbound");
            }
        }
    }

    /**
     * A gateway announced volumes flagged shared under names no operator bound to it: those volumes got no id (the rest
     * of the gateway is served), counted one by one and logged once for the registration, with the names.
     */
    void sharedVolumesRefused(long gatewayId, List<String> names) {
        counters.sharedVolumesRefused.add(names.size());
        LOG.log(
                System.Logger.Level.WARNING,
                "gateway {0} announced {1} shared volume(s) it is not bound to, refused (no id, "
                        + "no reports, no throttles; its other volumes are served): {2}; if this gateway should serve them, bind "
                        + "each name to it (monitor.shared-volumes, or POST /api/gateways/{0}/shared-volumes/bind)",
                Long.toUnsignedString(gatewayId),
                names.size(),
                names.size() <= 10 ? names : names.subList(0, 10) + " and " + (names.size() - 10) + " more");
    }

    /**
     * The services' mailbox had no room for (the rest of) a report: counted, and logged with the gateway and the first
     * volume left out, at most once per {@link #DROP_LOG_MILLIS} with the count since.
     */
    void reportDropped(long gatewayId, long reportSequence, int firstVolumeId, int volumes) {
        counters.reportsDropped.increment();
        counters.volumesDropped.add(volumes);
        long now = clock().epochMillis();
        long last = dropLoggedAt.get();
        if (now - last >= DROP_LOG_MILLIS && dropLoggedAt.compareAndSet(last, now)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the SLA services'' mailbox is full: report {0} of gateway {1} not handed on "
                            + "from volume {2} ({3} volumes); {4} reports and {5} volume records dropped so far",
                    reportSequence,
                    gatewayId,
                    firstVolumeId,
                    volumes,
                    counters.reportsDropped(),
                    counters.volumesDropped());
        }
    }

    /**
     * A gateway spoke for a volume it did not declare in HELLO (a lying or broken gateway): its frame is refused,
     * counted, and logged at most once per {@link #DROP_LOG_MILLIS}.
     */
    void reportRefused(long gatewayId, int volumeId) {
        counters.reportsRefused.increment();
        long now = clock().epochMillis();
        long last = refuseLoggedAt.get();
        if (now - last >= DROP_LOG_MILLIS && refuseLoggedAt.compareAndSet(last, now)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "gateway {0} reported volume {1}, which it did not declare: frame refused; " + "{2} refused so far",
                    gatewayId,
                    volumeId,
                    counters.reportsRefused());
        }
    }

    /** A gateway announced more volumes than {@link MonitorContext#maxVolumesPerGateway()}: counted and logged. */
    void tooManyVolumes(long gatewayId, long volumes) {
        counters.volumeLimitRefusals.increment();
        LOG.log(
                System.Logger.Level.WARNING,
                "refused gateway {0}: it serves {1} volumes, this server accepts {2} per gateway "
                        + "(monitor.max-volumes-per-gateway)",
                Long.toUnsignedString(gatewayId),
                volumes,
                context.maxVolumesPerGateway());
    }

    void tooManyVolumeNames(long gatewayId) {
        counters.volumeLimitRefusals.increment();
        LOG.log(
                System.Logger.Level.WARNING,
                "closed gateway {0}: its volumes' names would take it past {1} names ever "
                        + "given ids ({2} x monitor.max-volumes-per-gateway) or the server past {3}",
                Long.toUnsignedString(gatewayId),
                VolumeIdentities.namesPerGateway(context.maxVolumesPerGateway()),
                VolumeIdentities.NAMES_PER_VOLUME_PLACE,
                VolumeIdentities.MAX_NAMES);
    }

    void reportState(long gatewayId, GatewayState state, int detail) {
        if (gatewayId == 0) {
            return;
        }
        ByteBuffer params = ByteBuffer.allocate(GatewayStateDescriptor.LENGTH);
        GatewayStateDescriptor.write(params, 0, gatewayId, clock().epochMillis(), state, detail);
        if (!services.post(MailboxOpcodes.SERVICES_GATEWAY_STATE, gatewayId, ParamWriter.of(params.array()))) {
            counters.reportsDropped.increment();
        }
    }

    // ---------------------------------------------------------------- conductor

    private void conduct() {
        long nextSizing = clock().epochMillis() + SIZING_INTERVAL_MILLIS;
        long nextHandshakeSweep = clock().epochMillis();
        while (running) {
            conductorWatch.turn();
            long now = clock().epochMillis();
            pollScheduler.doWork(now, sessions.values());
            registry.recheck(now);
            applyRequestedMoves();
            if (now >= nextHandshakeSweep) {
                nextHandshakeSweep = now + HANDSHAKE_SWEEP_MILLIS;
                closeUnfinishedHandshakes(now);
            }
            if (now >= nextSizing) {
                nextSizing = now + SIZING_INTERVAL_MILLIS;
                closeRevokedAndExpired(now);
                resizePairs();
                measureLoads(now);
                rebalance();
            }
            // A retired pair's last calls get their slots back.
            services.drainIdle(pairs.size());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Ends the sessions whose client certificate was revoked or has expired since their handshake (new connections with
     * it are refused by the trust manager). A gateway renews at two thirds of its certificate's life and connects again
     * with the new one.
     */
    private void closeRevokedAndExpired(long now) {
        if (context.tls() == null) {
            return;
        }
        Predicate<BigInteger> revoked = context.tls().revocations().current();
        for (Session session : sessions.values()) {
            BigInteger serial = session.certificateSerial;
            if (serial != null && revoked.test(serial)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "closing " + session + ": its certificate " + serial.toString(16) + " was revoked");
                closeSession(session, "certificate revoked");
            } else if (serial != null && now > session.certificateNotAfter) {
                counters.certificatesExpiredInSession.increment();
                LOG.log(
                        System.Logger.Level.WARNING,
                        "closing " + session + ": its certificate " + serial.toString(16)
                                + " expired at " + Instant.ofEpochMilli(session.certificateNotAfter)
                                + " (the gateway did not renew it, or has not reconnected with the renewed one)");
                closeSession(session, "certificate expired");
            }
        }
    }

    /**
     * Polls every gateway in session at the conductor's next step, and wakes the conductor for it; a caller's interval
     * above 0 holds the conductor's own timer off ({@link PollScheduler#requestSweep(long)}).
     */
    void requestSweep(long callerIntervalMillis) {
        pollScheduler.requestSweep(callerIntervalMillis);
        LockSupport.unpark(conductor);
    }

    /** Polls one gateway at the conductor's next step; false when it has no session in session. */
    boolean requestGatewayPoll(long gatewayId) {
        if (!pollScheduler.requestGatewayPoll(gatewayId)) {
            return false;
        }
        LockSupport.unpark(conductor);
        return true;
    }

    /**
     * One sizing step: the passes every thread recorded since the last step go into the sizing's window, the sizing
     * says how many pairs to run ({@link ThreadPairSizing}), and the pairs follow. With a fixed count the passes are
     * cleared, so the counts never pile up.
     */
    private void resizePairs() {
        if (sizing == null) {
            for (ThreadPair pair : pairs) {
                pair.inbound().processingTimes().clear();
                pair.outbound().processingTimes().clear();
            }
            return;
        }
        sizing.beginInterval();
        for (ThreadPair pair : pairs) {
            pair.inbound().processingTimes().drainInto(sizing.inboundInterval());
            pair.outbound().processingTimes().drainInto(sizing.outboundInterval());
        }
        resizeTo(sizing.decide(clock().epochMillis(), sessions.size()));
        retireStep();
    }

    /**
     * Runs {@code wanted} pairs: more are started at once (a retiring pair is kept first) and {@link #rebalance} moves
     * sessions onto them; fewer, and the last pair starts retiring: {@link #retireStep} moves its sessions to the
     * others and stops it once it is empty. One pair retires at a time. Conductor thread only.
     */
    void resizeTo(int wanted) {
        int active = pairs.size() - (retiring == null ? 0 : 1);
        if (wanted > active) {
            if (retiring != null) {
                retiring = null;
                active++;
            }
            for (; active < wanted; active++) {
                addPair();
            }
        } else if (wanted < active && retiring == null && pairs.size() > 1) {
            retiring = pairs.getLast();
            LOG.log(
                    System.Logger.Level.INFO,
                    "retiring thread pair " + retiring.index() + ": " + wanted + " pairs serve the " + sessions.size()
                            + " gateways");
        }
    }

    void addPair() {
        pairs.add(new ThreadPair(pairs.size(), this, context.maxConnections()).start());
        publishInbounds();
        counters.pairsAdded.increment();
    }

    /**
     * One step of retiring a pair: each of its sessions in session moves to the pair with the least load (by count: the
     * fewest sessions) counting the moves planned in this step (a session still in its handshake moves at a later
     * step), and once no session is on it or on its way to it, its threads stop. Returns true when the pair was
     * stopped. Conductor thread only.
     */
    boolean retireStep() {
        ThreadPair pair = retiring;
        if (pair == null) {
            return false;
        }
        int[] planned = new int[pairs.size()];
        double[] plannedLoad = new double[pairs.size()];
        boolean busy = false;
        for (Session session : sessions.values()) {
            if (session.pair == pair && session.migrateTo == null && session.inSession() && !session.isClosed()) {
                ThreadPair to = context.balanceByLoad() ? lightest(plannedLoad, pair) : leastLoaded(planned, pair);
                planned[to.index()]++;
                plannedLoad[to.index()] += Double.isNaN(session.cost) ? averageSessionCost : session.cost;
                session.migrateTo = to;
                pair.inbound().release(session);
            }
            busy |= session.pair == pair || session.migrateTo == pair;
        }
        if (busy) {
            return false;
        }
        synchronized (pairChoice) {
            if (pair.sessionCount() > 0) {
                return false;
            }
            pairs.remove(pair);
            retiring = null;
        }
        publishInbounds();
        try {
            pair.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        counters.pairsRetired.increment();
        LOG.log(System.Logger.Level.INFO, "thread pair " + pair.index() + " retired; " + pairs.size() + " pairs run");
        return true;
    }

    /** The pair, {@code skip} aside, with the least load counting the moves planned this step. */
    private ThreadPair lightest(double[] plannedLoad, ThreadPair skip) {
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip
                    && (best == null
                            || pair.load() + plannedLoad[pair.index()] < best.load() + plannedLoad[best.index()])) {
                best = pair;
            }
        }
        return best;
    }

    /** The pair, {@code skip} aside, with the fewest sessions counting the moves planned this step. */
    private ThreadPair leastLoaded(int[] planned, ThreadPair skip) {
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip
                    && (best == null
                            || pair.sessionCount() + planned[pair.index()]
                                    < best.sessionCount() + planned[best.index()])) {
                best = pair;
            }
        }
        return best;
    }

    /**
     * Moves sessions from the busiest pair to the least busy one when they differ by more than a tenth of the average:
     * by load (the sessions' measured costs) unless the context balances by count. Returns the number of moves started.
     */
    int rebalance() {
        return context.balanceByLoad() ? rebalanceByLoad() : rebalanceByCount();
    }

    /**
     * One measure of the sessions' costs (the time spent on each since the last, smoothed: PairBalancer) and the pairs'
     * loads, which the acceptor places new gateways by. Conductor thread (or a test driving it).
     */
    void measureLoads(long nowMillis) {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(nowMillis - lastMeasureAt);
        lastMeasureAt = nowMillis;
        List<ThreadPair> all = pairs;
        double[] load = new double[all.size()];
        double total = 0;
        int measured = 0;
        for (Session session : sessions.values()) {
            long busy = session.busyNanos.get();
            session.cost = PairBalancer.smoothed(session.cost, busy - session.busySeenNanos, intervalNanos);
            session.busySeenNanos = busy;
            if (Double.isNaN(session.cost)) {
                // Never measured over an interval of some length: nothing known to add.
                continue;
            }
            ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
            int p = all.indexOf(pair);
            if (p >= 0) {
                load[p] += session.cost;
            }
            total += session.cost;
            measured++;
        }
        synchronized (pairChoice) {
            for (int p = 0; p < load.length; p++) {
                all.get(p).load(load[p]);
                all.get(p).placedSinceMeasure = 0;
            }
            averageSessionCost = measured == 0 ? 0 : total / measured;
        }
    }

    /**
     * Moves the costliest sessions that fit from the pair with the most load to the one with the least, when they
     * differ by more than a tenth of the average (PairBalancer.moves). A session not measured yet counts as the average
     * one, and with nothing measured each counts as one: balancing by count. A retiring pair takes no part. Returns the
     * number of moves started.
     */
    private int rebalanceByLoad() {
        List<ThreadPair> all = pairs;
        List<Session> candidates = List.copyOf(sessions.values());
        int[] pairOf = new int[candidates.size()];
        double[] cost = new double[candidates.size()];
        boolean[] movable = new boolean[candidates.size()];
        double known = 0;
        int measured = 0;
        for (Session session : candidates) {
            if (!Double.isNaN(session.cost)) {
                known += session.cost;
                measured++;
            }
        }
        double unmeasured = measured == 0 ? 1 : known / measured;
        for (int s = 0; s < pairOf.length; s++) {
            Session session = candidates.get(s);
            ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
            pairOf[s] = Math.max(0, all.indexOf(pair));
            cost[s] = measured == 0 ? 1 : Double.isNaN(session.cost) ? unmeasured : session.cost;
            movable[s] = session.inSession()
                    && session.migrateTo == null
                    && !session.isClosed()
                    && all.contains(session.pair);
        }
        ThreadPair retiringPair = retiring;
        int[] moveTo = PairBalancer.moves(
                all.size(), retiringPair == null ? -1 : all.indexOf(retiringPair), pairOf, cost, movable);
        int moved = 0;
        for (int s = 0; s < moveTo.length; s++) {
            if (moveTo[s] >= 0) {
                Session session = candidates.get(s);
                session.migrateTo = all.get(moveTo[s]);
                session.pair.inbound().release(session);
                moved++;
            }
        }
        return moved;
    }

    /**
     * Moves sessions from the pair with the most sessions to the one with the fewest when they differ by more than a
     * tenth of the average (and at least two). A retiring pair takes no part.
     */
    private int rebalanceByCount() {
        ThreadPair skip = retiring;
        List<ThreadPair> active = pairs.stream().filter(p -> p != skip).toList();
        if (active.size() < 2) {
            return 0;
        }
        ThreadPair busiest = active.get(0);
        ThreadPair idlest = active.get(0);
        for (ThreadPair pair : active) {
            if (pair.sessionCount() > busiest.sessionCount()) {
                busiest = pair;
            }
            if (pair.sessionCount() < idlest.sessionCount()) {
                idlest = pair;
            }
        }
        int gap = busiest.sessionCount() - idlest.sessionCount();
        double average = (double) sessions.size() / active.size();
        if (gap < Math.max(2, average / 10)) {
            return 0;
        }
        int toMove = gap / 2;
        int moved = 0;
        for (Session session : sessions.values()) {
            if (moved == toMove) {
                break;
            }
            if (session.pair == busiest && session.inSession() && session.migrateTo == null && !session.isClosed()) {
                session.migrateTo = idlest;
                busiest.inbound().release(session);
                moved++;
            }
        }
        return moved;
    }

    /** The sizing's Tptmax at its last step (microseconds), 0 with a fixed count or before any step. */
    public double tptMaxMicros() {
        return sizing == null ? 0 : sizing.tptMaxMicros();
    }

    // ---------------------------------------------------------------- shutdown

    @Override
    public void close() throws InterruptedException {
        running = false;
        // Before the mailbox service: the changes queued finish and are answered while its callee is open; a change
        // asked for after this is refused.
        registry.close();
        mailboxService.close();
        closeQuietly(server);
        acceptor.join(2_000);
        conductor.join(2_000);
        for (Session session : sessions.values()) {
            closeSession(session, "monitor shutting down");
        }
        for (HandshakeSlots.Waiting waiting : handshakeSlots.drainWaiting()) {
            closeQuietly(waiting.channel());
            unauthenticated.giveBack(waiting.source());
        }
        for (ThreadPair pair : pairs.reversed()) {
            pair.close();
        }
        services.close();
        monitorMailbox.close();
        servicesMailbox.close();
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // a socket that fails to close is gone either way
        }
    }
}
