package io.sluice.services.daemon;

import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ReplyView;
import io.sluice.protocol.MailboxOpcodes;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The services drive the poll cycle, as the entity service of the original design does: at the start of each analysis
 * interval they ask the monitor for a sweep of every gateway (MONITOR_POLL_NOW, naming their interval), so the reports
 * the next interval analyses are the answers to one sweep asked for at one moment, every gateway's counters covering
 * the same stretch of time, rather than whatever the monitor's own timer happened to collect between two intervals of
 * another clock. Naming the interval holds the monitor's timer off for one and a half of them: while these calls come,
 * every sweep is one of them; when they stop, the monitor's timer polls again.
 *
 * <p>One request at most is out. A monitor that has not answered the last one by the next interval (its mailbox thread
 * stopped, or it is restarting and has not taken the call) is not sent another: the call already waiting will sweep
 * when it is taken, and a pile of them would sweep several times in a row at once. The interval is counted
 * ({@link #unanswered}) and analysed on the reports that came, from the monitor's own timer or none.
 *
 * <p>Not thread-safe: the services' loop thread does everything; the counters may be read from any thread.
 */
final class PollDriver {
    private final ParamWriter interval;
    private long outstanding;
    private long correlationId;
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private final AtomicLong notPosted = new AtomicLong();

    PollDriver(long intervalMillis) {
        long named = Math.min(Math.max(intervalMillis, 1), MailboxOpcodes.MAX_POLL_HOLD_MILLIS);
        // Written once: every request carries the same interval, so asking allocates nothing.
        this.interval =
                ParamWriter.of(ByteBuffer.allocate(Long.BYTES).putLong(named).array());
    }

    /** An analysis interval has started: ask the monitor for a sweep, unless the last request is still out. */
    int intervalStarted(MailboxCaller monitor) {
        if (outstanding != 0) {
            unanswered.incrementAndGet();
            return 0;
        }
        long handle = monitor.call(MailboxOpcodes.MONITOR_POLL_NOW, 0, ++correlationId, interval);
        if (handle <= 0) {
            // Full or locked: the monitor's timer keeps polling; the next interval asks again.
            notPosted.incrementAndGet();
            return 0;
        }
        outstanding = handle;
        requested.incrementAndGet();
        return 1;
    }

    /** True when {@code reply} answers one of these requests (a predecessor's too), which is then settled. */
    boolean onReply(ReplyView reply) {
        if (reply.opcode() != MailboxOpcodes.MONITOR_POLL_NOW) {
            return false;
        }
        if (!reply.inherited() && reply.handle() == outstanding) {
            outstanding = 0;
            answered.incrementAndGet();
        }
        return true;
    }

    /** Sweeps asked for (posted). */
    long requested() {
        return requested.get();
    }

    /** Requests the monitor answered. */
    long answered() {
        return answered.get();
    }

    /** Intervals that asked for no sweep because the monitor had not answered the previous request. */
    long unanswered() {
        return unanswered.get();
    }

    /** Intervals whose request the monitor's mailbox had no room for. */
    long notPosted() {
        return notPosted.get();
    }

    /** Whether a request is out and not answered. */
    boolean waiting() {
        return outstanding != 0;
    }
}
