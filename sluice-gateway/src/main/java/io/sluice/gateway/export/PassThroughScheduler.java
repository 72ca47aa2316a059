package io.sluice.gateway.export;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scheduler without QoS (the gateway's "unthrottled" mode): one export's requests reach the backend in arrival
 * order as soon as a backend slot is free. The bounded queue still gives the export its back-pressure. Nothing is
 * allocated per request.
 */
public final class PassThroughScheduler implements RequestScheduler {
    private final IoRequest[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition work = lock.newCondition();
    private int head;
    private int count;
    /** Requests at the backend; at most {@link #slots}. Unbounded until the group sets it. */
    private int inFlight;

    private int slots = Integer.MAX_VALUE;
    private boolean closed;

    public PassThroughScheduler(int queueDepth) {
        if (queueDepth <= 0) {
            throw new IllegalArgumentException("queue depth must be positive: " + queueDepth);
        }
        this.ring = new IoRequest[queueDepth];
    }

    @Override
    public void backendSlots(int slots) {
        lock.lock();
        try {
            this.slots = slots;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int admit(IoRequest request, boolean mayRun) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == ring.length && !closed) {
                notFull.await();
            }
            if (closed) {
                return CLOSED;
            }
            request.export().stats().admitted(request.type());
            if (inFlight < slots) {
                if (mayRun && count == 0) {
                    inFlight++;
                    return RUN;
                }
                work.signal();
            }
            ring[(head + count) % ring.length] = request;
            count++;
            return QUEUED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public IoRequest next() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == 0 || inFlight >= slots) {
                if (closed && count == 0) {
                    return null;
                }
                work.await();
            }
            IoRequest request = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            count--;
            inFlight++;
            notFull.signal();
            if (count > 0 && inFlight < slots) {
                work.signal();
            }
            return request;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void finished() {
        lock.lock();
        try {
            inFlight--;
            if (count > 0) {
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notFull.signalAll();
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
