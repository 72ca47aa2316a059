package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The counting-semaphore half of the mailbox (the slot locks are the other): how a caller wakes the callees after
 * posting and a callee wakes the caller after completing (docs/design.md, "Doorbells"). It is a sequence word and a
 * waiter count in shared memory. The sequence's low bit says a waiter may be asleep on its current value ("armed"). A
 * ringer makes a system call only when it finds the bit set and is the one to clear it, so however many calls are
 * posted while the callee is awake (or already woken and not yet running) the ringers touch nothing but one shared read
 * each, and one sleep costs at most one wake.
 *
 * <p>Lost-wakeup argument: a waiter arms the sequence (a CAS setting the bit, or a read that finds it set), re-checks
 * for work and only then sleeps on that odd value. A ringer publishes work, then reads the sequence. All are
 * sequentially consistent, so either the ringer's read comes after the arming (it sees the bit and it, or the ringer
 * whose increment beat its CAS, moves the sequence to the next even value and wakes every sleeper on the odd one; a
 * sleeper not yet in the kernel finds the word changed and returns) or before it (then the waiter's re-check, later
 * still, sees the work). Only ringers change an odd sequence, only waiters an even one.
 *
 * <p>{@code waiters} counts the threads inside {@link Waiter#await} (for inspection: a benchmark waits for a sleeping
 * callee); ringers do not read it.
 */
final class Doorbell {
    private static final long PARK_MIN_NANOS = 20_000;
    private static final long PARK_MAX_NANOS = 1_000_000;
    private static final int ARMED = 1;

    private final SharedMemory memory;
    private final long seqOffset;
    private final long waitersOffset;
    private final long seqAddress;
    /** Wakes this process made (rings that found a waiter armed); for tests and inspection. */
    private final LongAdder wakes = new LongAdder();

    Doorbell(SharedMemory memory, long seqOffset, long waitersOffset) {
        this.memory = memory;
        this.seqOffset = seqOffset;
        this.waitersOffset = waitersOffset;
        this.seqAddress = memory.segment().address() + seqOffset;
    }

    /** Call after publishing work. */
    void ring() {
        int seq = memory.getIntVolatile(seqOffset);
        // A failed CAS means another ringer moved the sequence on after this one's work was published: it wakes.
        if ((seq & ARMED) != 0 && memory.casInt(seqOffset, seq, seq + 1)) {
            wakes.increment();
            if (Futex.AVAILABLE) {
                Futex.wake(seqAddress, Integer.MAX_VALUE);
            }
        }
    }

    /** Sets the armed bit unless it is set; the odd value a waiter may sleep on. */
    private int arm() {
        int seq = memory.getIntVolatile(seqOffset);
        while ((seq & ARMED) == 0) {
            if (memory.casInt(seqOffset, seq, seq | ARMED)) {
                return seq | ARMED;
            }
            seq = memory.getIntVolatile(seqOffset);
        }
        return seq;
    }

    /** How one thread sleeps on this doorbell; not shared between threads. */
    final class Waiter {
        private final MemorySegment timespec = Futex.WAIT_ON_FUTEX ? Futex.newTimespec() : null;

        /**
         * Sleeps until rung or until {@code timeoutNanos} pass, unless {@code workPending} already reports work after
         * the waiter registered itself.
         */
        void await(long timeoutNanos, BooleanSupplier workPending) {
            memory.getAndAddInt(waitersOffset, 1);
            try {
                int seq = arm();
                if (workPending.getAsBoolean()) {
                    return;
                }
                if (Futex.WAIT_ON_FUTEX) {
                    Futex.await(seqAddress, seq, timeoutNanos, timespec);
                } else {
                    parkUntilRung(seq, timeoutNanos, workPending);
                }
            } finally {
                memory.getAndAddInt(waitersOffset, -1);
            }
        }

        private void parkUntilRung(int seq, long timeoutNanos, BooleanSupplier workPending) {
            long deadline = System.nanoTime() + timeoutNanos;
            long park = PARK_MIN_NANOS;
            while (memory.getIntVolatile(seqOffset) == seq && !workPending.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(Math.min(park, left));
                park = Math.min(park * 2, PARK_MAX_NANOS);
            }
        }
    }

    /** Whether a waiter is registered right now (for tests and inspection). */
    int waiters() {
        return memory.getIntVolatile(waitersOffset);
    }

    /** Whether a waiter has armed the doorbell and no ring has cleared it yet (for tests and inspection). */
    boolean armed() {
        return (memory.getIntVolatile(seqOffset) & ARMED) != 0;
    }

    /** The wakes this process's rings made: at most one per time a waiter armed the doorbell. */
    long wakes() {
        return wakes.sum();
    }
}
