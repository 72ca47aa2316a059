package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * The counting-semaphore half of the mailbox (the slot locks are the other): how a caller wakes the
 * callees after posting and a callee wakes the caller after completing (docs/design.md, "Doorbells"). It
 * is a sequence word and a waiter count in shared memory. A ringer only touches the sequence and makes a
 * system call when the waiter count says someone may be asleep, so a busy peer costs one shared read per
 * ring.
 *
 * <p>Lost-wakeup argument: the waiter increments {@code waiters}, reads {@code seq}, re-checks for
 * work and only then sleeps on {@code seq}. The ringer publishes work, then reads {@code waiters}.
 * All four are sequentially consistent, so either the ringer sees the waiter (and bumps {@code seq},
 * which makes the sleep return at once or wakes it) or the waiter's re-check sees the work.
 */
final class Doorbell {
    private static final long PARK_MIN_NANOS = 20_000;
    private static final long PARK_MAX_NANOS = 1_000_000;

    private final SharedMemory memory;
    private final long seqOffset;
    private final long waitersOffset;
    private final long seqAddress;

    Doorbell(SharedMemory memory, long seqOffset, long waitersOffset) {
        this.memory = memory;
        this.seqOffset = seqOffset;
        this.waitersOffset = waitersOffset;
        this.seqAddress = memory.segment().address() + seqOffset;
    }

    /** Call after publishing work. */
    void ring() {
        if (memory.getIntVolatile(waitersOffset) > 0) {
            memory.getAndAddInt(seqOffset, 1);
            if (Futex.AVAILABLE) {
                Futex.wake(seqAddress, Integer.MAX_VALUE);
            }
        }
    }

    /** How one thread sleeps on this doorbell; not shared between threads. */
    final class Waiter {
        private final MemorySegment timespec = Futex.WAIT_ON_FUTEX ? Futex.newTimespec() : null;

        /**
         * Sleeps until rung or until {@code timeoutNanos} pass, unless {@code workPending} already
         * reports work after the waiter registered itself.
         */
        void await(long timeoutNanos, java.util.function.BooleanSupplier workPending) {
            memory.getAndAddInt(waitersOffset, 1);
            try {
                int seq = memory.getIntVolatile(seqOffset);
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

        private void parkUntilRung(int seq, long timeoutNanos, java.util.function.BooleanSupplier workPending) {
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
}
