package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ReplyHandler;
import io.sluice.mailbox.SlotFlags;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The monitor's calls into the SLA services' mailbox (docs/design.md, "The monitor's thread pairs"). Each thread pair
 * posts its reports, events and volume announcements (step one) under a caller index of its own ({@link PairCaller})
 * and collects that caller's replies (step two) itself, so slots come back to the pair that used them; a pair may hold
 * at most its {@link #share} of the slots, so one pair's burst leaves room for the others' posts. Gateway states, which
 * any thread may post, go through the monitor's own caller index, whose replies a drain thread takes. A full mailbox
 * (or a full share) means the services are behind: the post waits a bounded time, then fails and is counted; before it
 * comes to that the poll scheduler stops polling while the services are {@link #behind}, and a gateway's next report
 * carries its counters forward over the longer interval.
 *
 * <p>Every call is posted idempotent: the services answer a report only once its samples are safe with the database
 * manager, so a report a killed services process had taken and not answered is delivered again to its successor instead
 * of leaving a hole in the stored history. A restarted monitor attaches the same indexes and collects the replies of
 * its predecessor's calls (they come marked inherited) along with its own.
 */
final class ServicesLink implements AutoCloseable {
    /** How long a post waits between tries while the services' mailbox (or the pair's share of it) is full. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Replies a pair collects at one go. */
    private static final int REPLIES_PER_DRAIN = 256;

    private final MailboxCaller caller;
    private final PairCaller[] pairCallers;
    private final int firstPairCaller;
    private final Thread drain;
    private final LoopWatch drainWatch = new LoopWatch("monitor-services-replies");
    private final MonitorCounters counters;
    private volatile boolean running = true;

    /**
     * @param callerIndex the monitor's own index (gateway states)
     * @param firstPairCaller the index of pair 0; pair {@code i} posts as {@code firstPairCaller + i}
     * @param pairs how many pair indexes to attach (the most pairs the monitor may run)
     */
    ServicesLink(Mailbox mailbox, int callerIndex, int firstPairCaller, int pairs, MonitorCounters counters) {
        if (firstPairCaller <= callerIndex
                || firstPairCaller + pairs > mailbox.geometry().maxCallers()) {
            throw new IllegalArgumentException("the services mailbox " + mailbox.file() + " has caller indexes 0.."
                    + (mailbox.geometry().maxCallers() - 1) + ": no room for the monitor's " + pairs + " pairs from "
                    + firstPairCaller + " after its own index " + callerIndex);
        }
        this.counters = counters;
        this.caller = MailboxCaller.attach(mailbox, callerIndex);
        this.firstPairCaller = firstPairCaller;
        this.pairCallers = new PairCaller[pairs];
        for (int i = 0; i < pairs; i++) {
            pairCallers[i] = new PairCaller(MailboxCaller.attach(mailbox, firstPairCaller + i));
        }
        this.drain = drainWatch.newThread(this::drainReplies);
        drain.start();
    }

    /**
     * How many calls one of {@code pairs} pairs may have in a mailbox of {@code slots}: all of it but a reserve for
     * each of the others, a quarter of an equal share (256 of 2,048 slots with two pairs). So one pair's burst always
     * leaves each other pair its reserve, while a pair may still fill the mailbox well past the half at which polling
     * pauses ({@link #behind}): the answers to the polls already sent have room to land.
     */
    static int share(int slots, int pairs) {
        int running = Math.max(1, pairs);
        return slots - (running - 1) * (slots / (4 * running));
    }

    /** The caller of pair {@code index}. */
    PairCaller pairCaller(int index) {
        return pairCallers[index];
    }

    /** How many pair callers there are: the most pairs the monitor may run. */
    int pairCallers() {
        return pairCallers.length;
    }

    /**
     * Collects the replies of the pair callers from {@code firstIdle} up, whose pairs are not running (retired, or not
     * started yet): a retired pair's last calls still get their slots back. The conductor's step.
     */
    void drainIdle(int firstIdle) {
        for (int i = firstIdle; i < pairCallers.length; i++) {
            if (pairCallers[i].inFlight() > 0 || pairCallers[i].caller.inheritedOutstanding() > 0) {
                pairCallers[i].drain();
            }
        }
    }

    /** Calls of earlier incarnations of the monitor's indexes still waiting to be collected (after a restart). */
    int inheritedOutstanding() {
        int outstanding = 0;
        for (PairCaller pair : pairCallers) {
            outstanding += pair.caller.inheritedOutstanding();
        }
        return outstanding;
    }

    /** Calls the pair callers inherited from the monitor before this one, as found at attach. */
    int inherited() {
        int calls = 0;
        for (PairCaller pair : pairCallers) {
            calls += pair.caller.resumption().calls();
        }
        return calls;
    }

    /** Posts one call through the monitor's own index (any thread); false when the mailbox is full. */
    boolean post(int opcode, long correlationId, ParamWriter params) {
        long handle = caller.call(opcode, SlotFlags.IDEMPOTENT, correlationId, params);
        return handle > 0;
    }

    /**
     * True while the services have not taken at least half their mailbox's worth of the monitor's calls (all its
     * indexes together), so the poll scheduler asks gateways for no report it could not hand on; the gateways carry
     * their counters into the next report. Services that are not running yet (a server starting, or taking over, whose
     * services JVM comes up after its monitor) count too: their mailbox holds the calls until they come, and once it is
     * half full a report asked for could only be dropped. Polling then waits for them, and no gateway's counters are
     * spent on a report that is thrown away.
     */
    boolean behind() {
        Mailbox mailbox = caller.mailbox();
        int untaken = caller.untaken()
                + MailboxCaller.untaken(mailbox, firstPairCaller, firstPairCaller + pairCallers.length);
        return untaken >= mailbox.geometry().slotCount() / 2;
    }

    private void drainReplies() {
        while (running) {
            drainWatch.turn();
            caller.heartbeat();
            if (caller.pollReplies(reply -> {}, REPLIES_PER_DRAIN) == 0) {
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
        for (PairCaller pair : pairCallers) {
            pair.caller.close();
        }
    }

    /**
     * One pair's caller index in the services' mailbox. Its pair's inbound threads post through it and collect its
     * replies as they go (every turn of their loop, and while a post waits for room), so no thread of its own is
     * needed; while its pair is not running the conductor collects them ({@link #drainIdle}). Any thread may post or
     * drain (a thread that finds another draining leaves it to that one), so a hand-over between pairs needs no
     * ordering.
     */
    final class PairCaller {
        private final MailboxCaller caller;
        /** Calls posted and not yet collected; the predecessor's (inherited) are not counted. */
        private final AtomicInteger inFlight = new AtomicInteger();

        private final AtomicBoolean draining = new AtomicBoolean();
        private final ReplyHandler collected = reply -> {
            if (!reply.inherited()) {
                inFlight.decrementAndGet();
            }
        };

        PairCaller(MailboxCaller caller) {
            this.caller = caller;
        }

        int callerIndex() {
            return caller.callerIndex();
        }

        /** Calls this pair has in the mailbox, posted and not yet collected. */
        int inFlight() {
            return inFlight.get();
        }

        /**
         * Posts one call unless this pair already has {@code share} calls in the mailbox, waiting up to
         * {@code waitNanos} (collecting its replies meanwhile) for its share or the mailbox to have room: the services
         * free slots as they catch up, and a report held back a moment is better than a report lost. The poster (an
         * inbound thread) reads nothing meanwhile, so its gateways feel TCP back-pressure; the other pairs post on into
         * their own shares. False when no room came in time or the parameters do not fit.
         */
        boolean post(int opcode, long correlationId, ParamWriter params, int share, long waitNanos) {
            long deadline = System.nanoTime() + waitNanos;
            boolean held = false;
            while (true) {
                drain();
                if (inFlight.get() < share) {
                    long handle = caller.call(opcode, SlotFlags.IDEMPOTENT, correlationId, params);
                    if (handle > 0) {
                        inFlight.incrementAndGet();
                        return true;
                    }
                    if (handle != MailboxStatus.MAILBOX_FULL && handle != MailboxStatus.LOCK_TIMEOUT) {
                        return false;
                    }
                } else if (!held) {
                    held = true;
                    counters.pairShareReached.increment();
                }
                if (System.nanoTime() - deadline >= 0 || !running) {
                    return false;
                }
                LockSupport.parkNanos(RETRY_NANOS);
            }
        }

        /** Collects the replies that have come (their slots go back to the mailbox) and beats the caller's heart. */
        void drain() {
            if (!draining.compareAndSet(false, true)) {
                return;
            }
            try {
                caller.heartbeat();
                caller.pollReplies(collected, REPLIES_PER_DRAIN);
            } finally {
                draining.set(false);
            }
        }
    }
}
