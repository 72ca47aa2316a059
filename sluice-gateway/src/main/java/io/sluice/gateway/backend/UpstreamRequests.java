package io.sluice.gateway.backend;

import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests an {@link UpstreamNbdBackend} has in flight: a fixed table of reusable slots, a request's handle on the
 * wire being its slot and the slot's generation, so that a late or duplicated reply for an earlier request in the same
 * slot is told apart. Callers take a slot and park; the reply reader finds the slot a reply names and wakes its caller.
 *
 * <p>Thread-safe: slots are taken and given back under a lock; a slot's fields are the caller's until
 * {@link Pending#waiting} is set, then the reader's until {@link Pending#done} is, which publishes them back.
 */
final class UpstreamRequests {
    static final int SLOTS = 64;

    /** One in-flight request; reused. The reply reader publishes {@code error} through {@code done}. */
    static final class Pending {
        int generation;
        int type;
        long offset;
        long length;
        /** READ destination or BLOCK_STATUS extents, filled from {@code dataStart}. */
        ByteBuffer data;

        int dataStart;
        /** Bytes of the range the reply has covered so far (READ data and holes, extents). */
        long covered;

        Thread waiter;
        int error;
        /** The connection it was sent on; {@code lost} when that connection went away before its reply. */
        UpstreamLink link;

        boolean lost;
        volatile boolean waiting;
        volatile boolean done;
    }

    private final Pending[] pending = new Pending[SLOTS];
    private final int[] freeSlots = new int[SLOTS];
    private int freeCount;
    private final ReentrantLock slotLock = new ReentrantLock();
    private final Condition slotFreed = slotLock.newCondition();

    UpstreamRequests() {
        for (int i = 0; i < SLOTS; i++) {
            pending[i] = new Pending();
            freeSlots[i] = i;
        }
        freeCount = SLOTS;
    }

    /** A free slot, waiting for one while all are in flight. */
    int take() throws InterruptedException {
        slotLock.lockInterruptibly();
        try {
            while (freeCount == 0) {
                slotFreed.await();
            }
            return freeSlots[--freeCount];
        } finally {
            slotLock.unlock();
        }
    }

    void release(int slot) {
        slotLock.lock();
        try {
            // A new generation makes a late or duplicated reply for the old request detectable.
            pending[slot].generation++;
            freeSlots[freeCount++] = slot;
            slotFreed.signal();
        } finally {
            slotLock.unlock();
        }
    }

    Pending slot(int slot) {
        return pending[slot];
    }

    /** The handle a request in {@code slot} goes out with. */
    long handle(int slot) {
        return ((long) pending[slot].generation << 32) | slot;
    }

    /** The waiting request a reply's handle names, or null when none does (a protocol violation). */
    Pending waitingFor(long handle) {
        int slot = (int) handle;
        if (slot < 0 || slot >= SLOTS) {
            return null;
        }
        Pending p = pending[slot];
        return p.waiting && !p.done && (int) (handle >>> 32) == p.generation ? p : null;
    }

    /** Ends a request with {@code error} and wakes its caller. */
    static void finish(Pending p, int error) {
        p.error = error;
        p.done = true;
        LockSupport.unpark(p.waiter);
    }

    /**
     * Ends every request waiting on {@code link} with EIO; {@code lost} (the upstream went away) tells their callers
     * they may send again on the next connection.
     */
    void failAll(UpstreamLink link, boolean lost) {
        for (Pending p : pending) {
            if (p.waiting && !p.done && p.link == link) {
                p.lost = lost;
                finish(p, NbdError.EIO);
            }
        }
    }
}
