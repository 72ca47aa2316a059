package io.sluice.monitor;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ThrottleSetDescriptor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's connections: every session by its id, the ones in session by gateway, their opening (with the throttles
 * a gateway should have replayed) and their closing once, from whichever thread noticed, and the changes of the
 * registry that end a gateway's session (revoke, bind, unbind). Any thread; see CONCURRENCY.md.
 */
final class GatewaySessions {
    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    static final int RECENT_CLOSE_REASONS = 64;

    private final MonitorDaemon daemon;
    private final GatewayRegistry registry;
    private final MonitorCounters counters;
    private final Map<Integer, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Long, Session> sessionsByGateway = new ConcurrentHashMap<>();
    /** The latest THROTTLE_SET frame per gateway, re-sent when it (re)connects. */
    private final DesiredThrottles desiredThrottles =
            new DesiredThrottles(ThrottleSetDescriptor.maxVolumes(MonitorDaemon.MONITOR_MAILBOX.paramCapacity()));
    /**
     * Why the most recent connections were closed. Several rather than the last one alone: sessions close on different
     * threads, so a neighbour's end of stream may be recorded after the close a caller waits for.
     */
    private final RecentReasons recentCloseReasons = new RecentReasons(RECENT_CLOSE_REASONS);

    GatewaySessions(MonitorDaemon daemon, GatewayRegistry registry, MonitorCounters counters) {
        this.daemon = daemon;
        this.registry = registry;
        this.counters = counters;
    }

    /** Every connection by session id, authenticated or not. */
    Map<Integer, Session> byId() {
        return sessions;
    }

    /** The sessions in session by gateway id. */
    Map<Long, Session> byGateway() {
        return sessionsByGateway;
    }

    long unreachable() {
        return sessions.values().stream().filter(s -> s.unreachable).count();
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
        ConnectionAcceptor.closeQuietly(session.link);
        daemon.acceptor().releaseHandshakePlace(session);
        daemon.acceptor().tlsHandshakeDone(session);
        sessions.remove(session.id);
        session.pair.removed();
        boolean wasCurrent = session.gatewayId != 0 && sessionsByGateway.remove(session.gatewayId, session);
        for (Long handle : session.awaitingAck.values()) {
            daemon.completeThrottle(handle, MailboxOpcodes.THROTTLE_STORED, ParamWriter.EMPTY);
        }
        session.awaitingAck.clear();
        Session.PendingThrottle pending;
        while ((pending = session.throttlesDue.poll()) != null) {
            if (pending.mailboxHandle() != 0) {
                daemon.completeThrottle(pending.mailboxHandle(), MailboxOpcodes.THROTTLE_STORED, ParamWriter.EMPTY);
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

    /** A gateway's state for the services (through the monitor's own caller index); counted as dropped without room. */
    void reportState(long gatewayId, GatewayState state, int detail) {
        if (gatewayId == 0) {
            return;
        }
        ByteBuffer params = ByteBuffer.allocate(GatewayStateDescriptor.LENGTH);
        GatewayStateDescriptor.write(params, 0, gatewayId, daemon.clock().epochMillis(), state, detail);
        if (!daemon.services().post(MailboxOpcodes.SERVICES_GATEWAY_STATE, gatewayId, ParamWriter.of(params.array()))) {
            counters.reportsDropped.increment();
        }
    }
}
