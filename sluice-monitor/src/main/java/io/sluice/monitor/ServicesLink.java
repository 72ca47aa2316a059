package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.mailbox.EntryInfo;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.SlotFlags;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The monitor's calls into the SLA services' mailbox: reports, events and gateway states are posted
 * (step one) from the inbound threads and the conductor; a drain thread takes the services' replies
 * (step two) so slots come back. A full mailbox means the services are behind: the post fails, is
 * counted; before it comes to that the poll scheduler stops polling while the services are {@link #behind},
 * and a gateway's next report carries its counters forward over the longer interval.
 *
 * <p>Every call is posted idempotent: the services answer a report only once its samples are safe with
 * the database manager, so a report a killed services process had taken and not answered is delivered
 * again to its successor instead of leaving a hole in the stored history.
 */
final class ServicesLink implements AutoCloseable {
    /** How long a post waits between tries while the services' mailbox is full. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private final MailboxCaller caller;
    private final Thread drain;
    private final LoopWatch drainWatch = new LoopWatch("monitor-services-replies");
    private volatile boolean running = true;

    ServicesLink(Mailbox mailbox, int callerIndex) {
        this.caller = MailboxCaller.attach(mailbox, callerIndex);
        this.drain = drainWatch.newThread(this::drainReplies);
        drain.start();
    }

    /** Posts one call; false when the services' mailbox is full (or the parameters do not fit). */
    boolean post(int opcode, long correlationId, ParamWriter params) {
        long handle = caller.call(opcode, SlotFlags.IDEMPOTENT, correlationId, params);
        return handle > 0;
    }

    /**
     * Posts one call, waiting up to {@code waitNanos} for a slot while the mailbox is full: the services
     * free slots as they catch up, and a report held back a moment is better than a report lost. The
     * caller (an inbound thread) reads nothing meanwhile, so its gateways feel TCP back-pressure. False
     * when no slot came free in time or the parameters do not fit.
     */
    boolean post(int opcode, long correlationId, ParamWriter params, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            long handle = caller.call(opcode, SlotFlags.IDEMPOTENT, correlationId, params);
            if (handle > 0) {
                return true;
            }
            if ((handle != MailboxStatus.MAILBOX_FULL && handle != MailboxStatus.LOCK_TIMEOUT)
                    || System.nanoTime() - deadline >= 0 || !running) {
                return false;
            }
            LockSupport.parkNanos(RETRY_NANOS);
        }
    }

    /**
     * True while running services have not taken at least half their mailbox's worth of the monitor's calls:
     * they are behind (their database manager is, most likely), so the poll scheduler asks gateways for no
     * report it could not hand on; the gateways carry their counters into the next report. Services that are
     * not running (restarting, or a server without the role) are not behind: polling goes on, so gateways are
     * still judged, and what cannot be posted is counted as dropped.
     */
    boolean behind() {
        return caller.untaken() >= caller.mailbox().geometry().slotCount() / 2 && servicesRunning();
    }

    private boolean servicesRunning() {
        Mailbox mailbox = caller.mailbox();
        for (int i = 0; i < mailbox.geometry().maxCallees(); i++) {
            EntryInfo callee = mailbox.calleeEntry(i);
            if (callee.inUse() && callee.alive()) {
                return true;
            }
        }
        return false;
    }

    private void drainReplies() {
        while (running) {
            drainWatch.turn();
            caller.heartbeat();
            if (caller.pollReplies(reply -> { }, 256) == 0) {
                caller.awaitReplies(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    /** What is wrong with the reply thread (without it no slot comes back), or null. */
    String problem(long nowNanos, long stallNanos) {
        return drainWatch.problem(nowNanos, stallNanos);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        caller.wakeUp();
        drain.join(2_000);
        caller.close();
    }
}
