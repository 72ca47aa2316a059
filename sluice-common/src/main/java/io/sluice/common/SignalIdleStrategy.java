package io.sluice.common;

import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Idles by spinning for {@code spinNanos} after the last turn with work, then sleeping on a signal for at most
 * {@code maxWaitNanos} a turn: a mailbox callee's request doorbell (a futex wait in the kernel) or anything else that
 * wakes its waiter when work arrives. The bounded wait lets an idle loop still turn for its heartbeat and housekeeping.
 */
public final class SignalIdleStrategy implements IdleStrategy {
    private final long spinNanos;
    private final long maxWaitNanos;
    private final LongConsumer await;
    private final Runnable ring;
    private final LongSupplier nanoClock;
    /** When the current run of idle turns began; 0 while the last turn did work. */
    private long idleSince;

    /** As the four-argument constructor, for a wait short enough that closing need not cut it short. */
    public SignalIdleStrategy(long spinNanos, long maxWaitNanos, LongConsumer await) {
        this(spinNanos, maxWaitNanos, await, () -> {});
    }

    /**
     * @param await sleeps until signalled or for at most the nanoseconds given
     * @param ring signals {@code await}'s waiter from another thread, for {@link #wake()}
     */
    public SignalIdleStrategy(long spinNanos, long maxWaitNanos, LongConsumer await, Runnable ring) {
        this(spinNanos, maxWaitNanos, await, ring, System::nanoTime);
    }

    SignalIdleStrategy(long spinNanos, long maxWaitNanos, LongConsumer await, Runnable ring, LongSupplier nanoClock) {
        if (spinNanos < 0 || maxWaitNanos < 1) {
            throw new IllegalArgumentException("spin >= 0 and wait >= 1 ns, not " + spinNanos + ", " + maxWaitNanos);
        }
        this.spinNanos = spinNanos;
        this.maxWaitNanos = maxWaitNanos;
        this.await = await;
        this.ring = ring;
        this.nanoClock = nanoClock;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idleSince = 0;
            return;
        }
        if (spinNanos > 0) {
            long now = nanoClock.getAsLong();
            if (idleSince == 0) {
                idleSince = now;
            }
            if (now - idleSince < spinNanos) {
                Thread.onSpinWait();
                return;
            }
        }
        await.accept(maxWaitNanos);
    }

    @Override
    public void reset() {
        idleSince = 0;
    }

    @Override
    public void wake() {
        ring.run();
    }
}
