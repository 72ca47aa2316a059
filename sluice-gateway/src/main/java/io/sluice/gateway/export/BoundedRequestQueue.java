package io.sluice.gateway.export;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed-capacity FIFO of requests over a ring of slots: puts wait while it is full, takes wait while it is empty, and
 * closing lets takers drain what is left. Nothing is allocated per request.
 */
public final class BoundedRequestQueue {
    private final IoRequest[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();
    private int head;
    private int count;
    private boolean closed;

    public BoundedRequestQueue(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.ring = new IoRequest[capacity];
    }

    /** Waits for room; false if the queue was closed first. */
    public boolean put(IoRequest request) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == ring.length && !closed) {
                notFull.await();
            }
            if (closed) {
                return false;
            }
            ring[(head + count) % ring.length] = request;
            count++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds without waiting; false if the queue is full or closed. For owners that size the queue so it can never be
     * full, and cannot afford to wait (a dispatcher thread finishing a request).
     */
    public boolean offer(IoRequest request) {
        lock.lock();
        try {
            if (closed || count == ring.length) {
                return false;
            }
            ring[(head + count) % ring.length] = request;
            count++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a request; null once the queue is closed and empty. */
    public IoRequest take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == 0 && !closed) {
                notEmpty.await();
            }
            return count == 0 ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    /** Takes every queued request, up to {@code into.length}, without waiting; returns how many (0 when empty). */
    public int drainNow(IoRequest[] into) {
        lock.lock();
        try {
            int taken = Math.min(count, into.length);
            for (int i = 0; i < taken; i++) {
                into[i] = dequeue();
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #take} but gives up after {@code timeoutNanos}, returning null. */
    public IoRequest poll(long timeoutNanos) throws InterruptedException {
        long left = timeoutNanos;
        lock.lockInterruptibly();
        try {
            while (count == 0 && !closed) {
                if (left <= 0) {
                    return null;
                }
                left = notEmpty.awaitNanos(left);
            }
            return count == 0 ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    private IoRequest dequeue() {
        IoRequest request = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        notFull.signal();
        return request;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    public int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            notFull.signalAll();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
