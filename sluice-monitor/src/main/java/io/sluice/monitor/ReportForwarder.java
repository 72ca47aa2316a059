package io.sluice.monitor;

import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import java.util.Arrays;

/**
 * What an inbound thread does with the frames of gateways in session: reports gathered into its {@link ReportBatch} and
 * posted to the services as one call (through its pair's caller index), events and volume announcements posted after
 * the batch, THROTTLE_ACKs that complete the services' calls. It also keeps the reader tokens of the sessions whose
 * reports wait in the batch, given back as the batch is posted. One per inbound thread; only that thread uses it (see
 * CONCURRENCY.md, "Inbound -> services" and "Work sharing").
 */
final class ReportForwarder {
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

    private final MonitorDaemon daemon;
    /** The inbound thread this belongs to: the one that feeds its sessions' reports into the batch. */
    private final InboundThread owner;
    /** This pair's caller index in the services' mailbox: every post of this thread goes through it. */
    private final ServicesLink.PairCaller services;

    private final SessionSetup setup;
    private final CertificateIssuer certificates;
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
    /** Until when, in this turn of the loop, posts may wait for room in the services' mailbox. */
    private long waitUntilNanos;
    /** Sessions whose reader token this thread holds because their reports wait in {@link #batch}. */
    private final Session[] held = new Session[REPORTS_PER_BATCH + 2];

    private int heldCount;
    /** The session being read, whose token a post in the middle of its read keeps. */
    private Session reading;
    /**
     * Incremented at every post of {@link #batch}: which batch a session's reports are in ({@link Session#fedBatch}).
     */
    private long batchesPosted;

    ReportForwarder(
            MonitorDaemon daemon,
            InboundThread owner,
            ServicesLink.PairCaller services,
            SessionSetup setup,
            CertificateIssuer certificates) {
        this.daemon = daemon;
        this.owner = owner;
        this.services = services;
        this.setup = setup;
        this.certificates = certificates;
        this.dropped = daemon.warnings()::reportDropped;
    }

    /** A turn of the loop begins: posts may wait for room until {@code deadlineNanos}. */
    void beginTurn(long deadlineNanos) {
        waitUntilNanos = deadlineNanos;
    }

    /** Reports are gathered and not posted yet. */
    boolean hasReports() {
        return !batch.isEmpty();
    }

    /** Whether the gathered reports may wait another turn for more ({@link #TURNS_PER_BATCH}). */
    boolean mayWaitAnotherTurn() {
        return batch.mayWaitAnotherTurn();
    }

    /** The session this thread reads now (null when none): a post in the middle of its read keeps its token. */
    void reading(Session session) {
        reading = session;
    }

    /** Whether the read just done left reports of {@code session} in the batch (then its token waits for the post). */
    boolean feeds(Session session) {
        return session.fedBy == owner && session.fedBatch == batchesPosted && !batch.isEmpty();
    }

    /** Keeps the token of {@code session} until the batch is posted. */
    void hold(Session session) {
        held[heldCount++] = session;
    }

    /** A frame of a gateway in session: reports and events for the services, acknowledgements, renewals. */
    void onSessionFrame(Session session, FrameDecoder decoder, FrameType type) {
        switch (type) {
            case STATS -> {
                statsReader.wrap(decoder);
                long poll = statsReader.pollSequence();
                if (poll > session.lastPollAnswered) {
                    session.lastPollAnswered = poll;
                    daemon.counters().pollsAnswered.increment();
                }
                if (daemon.reportSequences().accept(session, statsReader.reportSequence(), statsReader.hasMore())) {
                    int undeclared = firstUndeclared(session);
                    if (undeclared < 0) {
                        forwardReport(session, decoder);
                    } else {
                        daemon.warnings()
                                .reportRefused(
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
                    daemon.warnings().reportRefused(session.gatewayId, volumeId);
                }
            }
            case HEARTBEAT -> {
                // lastHeardAt is all a heartbeat is for
            }
            case RENEW -> certificates.renew(session, decoder);
            default -> setup.protocolViolation(session, type + " after the handshake");
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
        session.fedBy = owner;
        session.fedBatch = batchesPosted;
    }

    /**
     * Posts the batch gathered so far as one services call, waiting for room until this turn's deadline; what the
     * mailbox has no room for by then is counted and logged, entry by entry.
     */
    void postReports() {
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

    /**
     * Tells the services the session's volumes (assigned ids, names, the gateway's name) before its first report, so
     * everything downstream knows them by name; retried before each report until it got through.
     */
    void announceVolumes(Session session) {
        if (session.volumesAnnounced || session.volumes == null) {
            return;
        }
        postReports();
        int volumes = session.announcedIds.length;
        int first = 0;
        do {
            int count = Math.min(volumesPerAnnouncement, volumes - first);
            announcement.of(
                    session.gatewayId,
                    session.capabilities,
                    session.gatewayName,
                    session.volumes,
                    session.announcedIds,
                    first,
                    count);
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

    void forgetHeld(Session session) {
        for (int i = 0; i < heldCount; i++) {
            if (held[i] == session) {
                held[i] = held[--heldCount];
                held[heldCount] = null;
                return;
            }
        }
    }
}
