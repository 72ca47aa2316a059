package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultWriter;
import io.sluice.protocol.CertificateWriter;
import io.sluice.protocol.ChallengeWriter;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.StandbyWriter;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.VolumeIdsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound half of a thread pair (docs/design.md, "The monitor's thread pairs"): takes sessions that have something
 * to send, encodes everything pending for one gateway back to back into one buffer and writes it with one non-blocking
 * write (message concatenation). What the socket does not take waits in the session's backlog, written when the
 * selector says the socket is writable; nothing else for that gateway is encoded meanwhile, so a slow gateway costs one
 * backlog and never delays the others.
 */
final class OutboundThread implements Runnable {
    static final int SCRATCH_BYTES = 256 * 1024;
    /** When a pending or refused gateway is told to come back. */
    private static final int RETRY_AFTER_MILLIS = 30_000;

    private final MonitorDaemon daemon;
    private final Selector selector;
    private final SessionQueue queue;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    private final ChallengeWriter challengeWriter = new ChallengeWriter();
    private final AuthResultWriter authResultWriter = new AuthResultWriter();
    private final CertificateWriter certificateWriter = new CertificateWriter();
    private final VolumeIdsWriter volumeIdsWriter = new VolumeIdsWriter();
    private final PollWriter pollWriter = new PollWriter();
    private final StandbyWriter standbyWriter = new StandbyWriter();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    /** Each encode-and-write pass of one gateway, for the pair sizing (Tptmax, outbound side). */
    private final ProcessingTimes processingTimes = new ProcessingTimes();

    private volatile boolean running = true;
    private final LoopWatch watch;

    OutboundThread(MonitorDaemon daemon, int maxSessions, LoopWatch watch) {
        this.daemon = daemon;
        this.watch = watch;
        this.queue = new SessionQueue(maxSessions + 1);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long this thread's encode-and-write passes took, one per gateway served; drained by the conductor. */
    ProcessingTimes processingTimes() {
        return processingTimes;
    }

    void enqueue(Session session) {
        while (!queue.offer(session)) {
            // Cannot happen while sessions per pair <= capacity; yield rather than lose the work.
            Thread.onSpinWait();
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    @Override
    public void run() {
        while (running) {
            watch.turn();
            int work = drainQueue();
            try {
                if (work == 0) {
                    sleeping.set(true);
                    if (queue.isEmpty()) {
                        selector.select(100);
                    } else {
                        selector.selectNow();
                    }
                    sleeping.set(false);
                } else if (!selector.keys().isEmpty()) {
                    selector.selectNow();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("outbound selector failed", e);
            }
            flushWritable();
        }
    }

    private int drainQueue() {
        int work = 0;
        Session session;
        // One clock read a pass: a pass ends where the next begins (the queue's hand-over between them is the pass's).
        long start = System.nanoTime();
        while ((session = queue.poll()) != null) {
            session.unschedule();
            try {
                send(session);
            } catch (RuntimeException e) {
                // A fault while writing to one gateway ends that session, never this thread.
                daemon.closeSession(session, "internal error: " + e);
            }
            long end = System.nanoTime();
            long took = end - start;
            start = end;
            processingTimes.record(took);
            session.busyNanos.addAndGet(took);
            work++;
        }
        return work;
    }

    private void send(Session session) {
        if (session.pair.outbound() != this) {
            // Scheduled here just before it moved to another pair: its new outbound thread owns it now.
            session.schedule();
            return;
        }
        if (session.isClosed() || session.backlog != null) {
            return;
        }
        if (session.migrateTo != null) {
            handOver(session);
            return;
        }
        ByteBuffer out = scratch.clear();
        int frames = encodePending(session, out);
        if (frames == 0) {
            if (session.tls != null && session.tls.isEstablished()) {
                // Scheduled by the inbound thread for a TLS message of the engine's own (a KeyUpdate answer).
                write(session, out.flip(), 0);
            }
            return;
        }
        out.flip();
        write(session, out, frames);
    }

    /** Encodes what the session asked for, in protocol order; returns the number of frames. */
    private int encodePending(Session session, ByteBuffer out) {
        int frames = 0;
        long gatewayId = session.gatewayId;
        if (session.standbyDue) {
            session.standbyDue = false;
            standbyWriter.write(
                    out,
                    session.sendSequence++,
                    gatewayId,
                    daemon.standbyRetryAfterMillis(),
                    daemon.activeAddressBytes());
            session.closeWhenFlushed = true;
            return 1;
        }
        if (session.challengeDue) {
            session.challengeDue = false;
            challengeWriter.write(out, session.sendSequence++, gatewayId, session.challenge);
            frames++;
        }
        AuthOutcome outcome = session.authOutcomeDue;
        if (outcome != null) {
            session.authOutcomeDue = null;
            authResultWriter.write(
                    out,
                    session.sendSequence++,
                    gatewayId,
                    outcome,
                    session.authReasonDue,
                    (int) daemon.context().pollIntervalMillis(),
                    outcome == AuthOutcome.ACCEPTED ? 0 : RETRY_AFTER_MILLIS,
                    "",
                    outcome == AuthOutcome.ACCEPTED ? daemon.role().epoch() : 0);
            frames++;
            if (outcome != AuthOutcome.ACCEPTED) {
                session.closeWhenFlushed = true;
                return frames;
            }
        }
        Session.CertificateAnswer certificate = session.certificateDue;
        if (certificate != null) {
            session.certificateDue = null;
            if (certificate.reason() == AuthReason.NONE) {
                certificateWriter.write(out, session.sendSequence++, gatewayId, certificate.certificate());
            } else {
                certificateWriter.writeRefusal(out, session.sendSequence++, gatewayId, certificate.reason());
            }
            frames++;
            if (session.enrolling) {
                // An enrollment is all such a connection is for: the gateway comes back with its certificate.
                session.closeWhenFlushed = true;
                return frames;
            }
        }
        if (session.volumeIdsDue) {
            session.volumeIdsDue = false;
            int[] volumeIds = session.volumeIds;
            volumeIdsWriter.write(out, session.sendSequence++, gatewayId, volumeIds, volumeIds.length);
            frames++;
        }
        Session.PendingThrottle throttle;
        while ((throttle = session.throttlesDue.peek()) != null && out.remaining() >= throttle.frame().length) {
            session.throttlesDue.poll();
            int at = out.position();
            out.put(throttle.frame());
            long commandId = throttle.mailboxHandle() != 0 ? throttle.mailboxHandle() : -session.sendSequence;
            out.putLong(at + FrameDescriptor.SEQUENCE_OFFSET, session.sendSequence++);
            out.putLong(at + ThrottleSetDescriptor.COMMAND_ID_OFFSET, commandId);
            // The services leave the epoch 0: only the monitor knows which lease its server holds.
            out.putLong(at + ThrottleSetDescriptor.EPOCH_OFFSET, daemon.role().epoch());
            if (throttle.mailboxHandle() != 0) {
                session.awaitingAck.put(commandId, throttle.mailboxHandle());
            }
            daemon.counters().throttlesSent.increment();
            frames++;
        }
        long poll = session.pollDue.getAndSet(0);
        if (poll != 0 && session.inSession()) {
            pollWriter.write(
                    out, session.sendSequence++, gatewayId, poll, daemon.clock().epochMillis());
            daemon.counters().pollsSent.increment();
            frames++;
        }
        if (!session.throttlesDue.isEmpty()) {
            session.schedule();
        }
        return frames;
    }

    private void write(Session session, ByteBuffer out, int frames) {
        try {
            session.link.write(out);
        } catch (IOException e) {
            daemon.closeSession(session, "write failed: " + e.getMessage());
            return;
        }
        daemon.counters().framesWritten.add(frames);
        if (frames > 1) {
            daemon.counters().writesGathered.increment();
        }
        if (out.hasRemaining() || tlsPending(session)) {
            ByteBuffer backlog = ByteBuffer.allocate(out.remaining());
            backlog.put(out).flip();
            session.backlog = backlog;
            session.backlogBytes = backlog.remaining();
            watchWritable(session);
        } else if (session.closeWhenFlushed) {
            daemon.closeSession(session, "refused");
        }
    }

    /**
     * Step two of a migration, once the old inbound thread has stopped reading the session and nothing is left unsent:
     * give the session to its new pair, whose threads own it from here on.
     */
    private void handOver(Session session) {
        if (session.writeKey != null) {
            session.writeKey.cancel();
            session.writeKey = null;
            try {
                selector.selectNow();
            } catch (IOException e) {
                throw new UncheckedIOException("outbound selector failed", e);
            }
        }
        ThreadPair from = session.pair;
        ThreadPair to = session.migrateTo;
        session.pair = to;
        session.migrateTo = null;
        from.removed();
        to.added();
        daemon.counters().sessionsMigrated.increment();
        to.inbound().register(session);
        session.schedule();
    }

    private void watchWritable(Session session) {
        daemon.counters().writabilityWatched.increment();
        try {
            if (session.writeKey == null) {
                session.writeKey = session.channel.register(selector, SelectionKey.OP_WRITE, session);
            } else {
                session.writeKey.interestOps(SelectionKey.OP_WRITE);
            }
        } catch (IOException | CancelledKeyException e) {
            daemon.closeSession(session, "cannot watch for writability");
        }
    }

    private void flushWritable() {
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            Session session = (Session) key.attachment();
            if (!key.isValid() || session.isClosed()) {
                continue;
            }
            ByteBuffer backlog = session.backlog;
            try {
                session.link.write(backlog);
            } catch (IOException e) {
                daemon.closeSession(session, "write failed: " + e.getMessage());
                continue;
            }
            session.backlogBytes = backlog.remaining();
            if (!backlog.hasRemaining() && !tlsPending(session)) {
                session.backlog = null;
                key.interestOps(0);
                if (session.closeWhenFlushed) {
                    daemon.closeSession(session, "refused");
                } else {
                    send(session);
                }
            }
        }
    }

    /** Whether encrypted bytes are still waiting for the socket (the backlog then stays, possibly empty). */
    private static boolean tlsPending(Session session) {
        return session.tls != null && session.tls.hasPendingOutput();
    }

    int sessionsWithBacklog() {
        return selector.keys().size();
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    void closeSelector() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing at shutdown; nothing left to do with it
        }
    }
}
