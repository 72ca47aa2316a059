package io.sluice.monitor;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.StandbyWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The performance monitor daemon: the only part of the SLA server that talks to gateways. Starts, in order, its
 * mailboxes, thread pairs, the conductor (poll cycle and pair sizing), the acceptor and the mailbox service; closes
 * them in reverse. See CONCURRENCY.md for who owns what.
 */
public final class MonitorDaemon implements AutoCloseable {
    public static final MailboxGeometry MONITOR_MAILBOX = ServerMailboxes.MONITOR;
    public static final MailboxGeometry SERVICES_MAILBOX = ServerMailboxes.SERVICES;

    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    /** A loop thread that has not turned for this long is stuck: every loop turns at least every 100 ms. */
    static final long STALL_MILLIS = 10_000;

    private final MonitorContext context;
    /** A standby's STANDBY names this (MonitorRole.activeAddress), prepared once: a refusal allocates nothing. */
    private final byte[] activeAddressBytes;
    /** The context's role until a standby is promoted ({@link #promote}); read by every thread, written by one. */
    private volatile MonitorRole role;

    private final MonitorCounters counters = new MonitorCounters();
    private final MonitorWarnings warnings;
    private final GatewayRegistry registry;
    private final VolumeIdentities volumeIdentities;
    private final GatewaySessions gatewaySessions;

    private final ThreadPairs pairs;
    private final PairLoads loads;
    private final ConnectionAcceptor acceptor;
    private final ReportSequences reportSequences = new ReportSequences(counters);
    private final Mailbox monitorMailbox;
    private final Mailbox servicesMailbox;
    private final ServicesLink services;
    private final MailboxCallee callee;
    private final MailboxService mailboxService;
    private final PollScheduler pollScheduler;
    private final MonitorConductor conductor;
    static final int RECENT_CLOSE_REASONS = GatewaySessions.RECENT_CLOSE_REASONS;

    public MonitorDaemon(MonitorContext context) {
        this.context = context;
        this.activeAddressBytes = StandbyWriter.addressBytes(context.role().activeAddress());
        this.role = context.role();
        this.warnings = new MonitorWarnings(counters, context);
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
        this.gatewaySessions = new GatewaySessions(this, registry, counters);
        Map<Integer, Session> sessions = gatewaySessions.byId();
        this.pairs = new ThreadPairs(this, context, counters, sessions, gatewaySessions.byGateway());
        pairs.startInitial();
        this.loads = new PairLoads(pairs, sessions, context.balanceByLoad(), clock().epochMillis());
        this.acceptor = new ConnectionAcceptor(this, context, counters, sessions, pairs, loads);
        this.pollScheduler =
                new PollScheduler(this, context.pollIntervalMillis(), context.missLimit(), clock().epochMillis());
        this.conductor = new MonitorConductor(this, sessions, pairs, loads, acceptor, pollScheduler).start();
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
        for (ThreadPair pair : pairs.all()) {
            String problem = pair.problem(now, stall);
            if (problem != null) {
                problems.add(problem);
            }
        }
        for (String problem :
                new String[] {conductor.problem(now, stall), acceptor.problem(now), services.problem(now, stall)}) {
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (!mailboxService.isRunning()) {
            problems.add("monitor-mailbox stopped: " + mailboxService.failure());
        }
        return problems;
    }

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

    /** The connections and sessions, their opening and closing. */
    GatewaySessions gatewaySessions() {
        return gatewaySessions;
    }

    /** What gateways did wrong and what could not be handed on: counted and logged. */
    MonitorWarnings warnings() {
        return warnings;
    }

    /** The acceptor and the places of connections not authenticated yet. */
    ConnectionAcceptor acceptor() {
        return acceptor;
    }

    /** The thread pairs: their number, work sharing between their inbound threads, moves between them. */
    ThreadPairs pairs() {
        return pairs;
    }

    /** The pairs' measured loads, placement and balancing. */
    PairLoads loads() {
        return loads;
    }

    ThreadPair pair(int index) {
        return pairs.get(index);
    }

    /** {@code gatewayId}'s session, or null without one. */
    Session session(long gatewayId) {
        return gatewaySessions.byGateway().get(gatewayId);
    }

    /** How many calls one pair may have in the services' mailbox ({@link ServicesLink#share}). */
    int pairShare() {
        return ServicesLink.share(SERVICES_MAILBOX.slotCount(), pairs.count());
    }

    ReportSequences reportSequences() {
        return reportSequences;
    }

    PollScheduler pollScheduler() {
        return pollScheduler;
    }

    /** Where gateways connect (the bound port when the context asked for port 0). */
    public InetSocketAddress address() {
        return acceptor.address();
    }

    public int pairCount() {
        return pairs.count();
    }

    /**
     * The index of the pair that serves {@code gatewayId}'s session (the one it is moving to, if it is), or -1 without
     * a session: where a gateway landed, for diagnostics and the benchmark.
     */
    public int pairOf(long gatewayId) {
        return pairs.pairOf(gatewayId);
    }

    /**
     * Asks the conductor to move {@code gatewayId}'s session to pair {@code pairIndex} at its next step, the same
     * two-step move as rebalancing; a gateway with no session in session then, one already there or moving, or a pair
     * that does not exist (or is retiring) is left as it is. Balancing may move it again afterwards. The benchmark uses
     * it to start a skewed fleet from the placement that counting sessions may give it: every heavy gateway on one
     * pair.
     */
    public void moveGateway(long gatewayId, int pairIndex) {
        pairs.moveGateway(gatewayId, pairIndex);
    }

    public int sessionsInSession() {
        return gatewaySessions.byGateway().size();
    }

    public int connections() {
        return gatewaySessions.byId().size();
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
        return acceptor.unauthenticatedConnections();
    }

    /** TLS handshakes in progress now: at most {@link MonitorContext.UnauthenticatedLimits#handshakes()}. */
    public int handshakesInProgress() {
        return acceptor.handshakeSlots().inProgress();
    }

    /** Connections accepted that wait for a handshake place of their address (it holds its share). */
    public int handshakesWaiting() {
        return acceptor.handshakeSlots().waiting();
    }

    /** The most TLS handshakes that were in progress at once since the daemon started. */
    public int handshakesInProgressPeak() {
        return acceptor.handshakeSlots().peak();
    }

    public long pendingApprovals() {
        return registry.pendingCount();
    }

    public long unreachableGateways() {
        return gatewaySessions.unreachable();
    }

    /** Closes a connection once, from whichever thread noticed; only this session is affected. */
    void closeSession(Session session, String reason) {
        gatewaySessions.closeSession(session, reason);
    }

    /** Whether one of the recently closed connections was closed for a reason containing {@code text}. */
    boolean closedFor(String text) {
        return gatewaySessions.closedFor(text);
    }

    /** The reasons the most recent connections were closed, oldest first. */
    List<String> recentCloseReasons() {
        return gatewaySessions.recentCloseReasons();
    }

    void completeThrottle(long handle, int status, ParamWriter result) {
        callee.complete(handle, status, result);
    }

    /** Completes a deferred registry change (from the registry's thread). */
    void completeCall(long handle, int status, ParamWriter result) {
        callee.complete(handle, status, result);
    }

    /**
     * Polls every gateway in session at the conductor's next step, and wakes the conductor for it; a caller's interval
     * above 0 holds the conductor's own timer off ({@link PollScheduler#requestSweep(long)}).
     */
    void requestSweep(long callerIntervalMillis) {
        pollScheduler.requestSweep(callerIntervalMillis);
        conductor.wake();
    }

    /** Polls one gateway at the conductor's next step; false when it has no session in session. */
    boolean requestGatewayPoll(long gatewayId) {
        if (!pollScheduler.requestGatewayPoll(gatewayId)) {
            return false;
        }
        conductor.wake();
        return true;
    }

    /** The sizing's Tptmax at its last step (microseconds), 0 with a fixed count or before any step. */
    public double tptMaxMicros() {
        return pairs.tptMaxMicros();
    }

    @Override
    public void close() throws InterruptedException {
        // Cleared first: a handshake place handed on during shutdown closes its connection instead of starting it.
        acceptor.stopAccepting();
        // Its last step ends before the registry, the mailbox service and the sessions it works on close.
        conductor.close();
        // Before the mailbox service: the changes queued finish and are answered while its callee is open; a change
        // asked for after this is refused.
        registry.close();
        mailboxService.close();
        acceptor.closeServer();
        for (Session session : gatewaySessions.byId().values()) {
            closeSession(session, "monitor shutting down");
        }
        acceptor.closeWaiting();
        pairs.close();
        services.close();
        monitorMailbox.close();
        servicesMailbox.close();
    }
}
