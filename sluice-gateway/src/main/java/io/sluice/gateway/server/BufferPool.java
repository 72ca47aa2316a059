package io.sluice.gateway.server;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's data buffers, in power-of-two size classes from 4 KiB up to the largest request. Buffers are reused,
 * so a connection in steady state allocates nothing per request. The bytes a connection may hold are capped by a
 * budget: when a request needs a size class that has no idle buffer and the budget is spent, idle buffers of other
 * classes are dropped to make room, and if that is not enough the caller (the connection's reader) waits for in-flight
 * requests to give theirs back. Waiting there means not reading the socket: back-pressure, and a client can never hold
 * more than its budget however large the requests it sends. New buffers also come out of the gateway-wide
 * {@link MemoryBudget}; when that is spent the reader retries every few milliseconds, since the memory it waits for is
 * released by other connections.
 */
final class BufferPool {
    private static final int MIN_SHIFT = 12;
    private static final long SHARED_RETRY_NANOS = 5_000_000;

    private final long budget;
    private final MemoryBudget shared;
    private final ByteBuffer[][] idle;
    private final int[] idleCount;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long reserved;

    /**
     * @param maxSize largest buffer ever asked for
     * @param budget bytes this pool may hold in total; at least {@code maxSize} rounded up
     * @param maxInUse most buffers out at once (the connection's request slots)
     * @param shared the gateway-wide budget new buffers also count against
     */
    BufferPool(int maxSize, long budget, int maxInUse, MemoryBudget shared) {
        int classes = shiftOf(maxSize) - MIN_SHIFT + 1;
        if (budget < (1L << shiftOf(maxSize))) {
            throw new IllegalArgumentException("buffer budget " + budget + " below the largest request " + maxSize);
        }
        this.budget = budget;
        this.shared = shared;
        this.idle = new ByteBuffer[classes][];
        this.idleCount = new int[classes];
        for (int c = 0; c < classes; c++) {
            // A class never holds more buffers than were out at once, nor more than the budget allows.
            idle[c] = new ByteBuffer[(int) Math.min(maxInUse, Math.max(1, budget >> (c + MIN_SHIFT)))];
        }
    }

    /** A buffer positioned at 0 with limit {@code size}; waits while the budget is spent. */
    ByteBuffer acquire(int size) throws InterruptedException {
        int c = shiftOf(size) - MIN_SHIFT;
        ByteBuffer buffer;
        lock.lockInterruptibly();
        try {
            while (true) {
                if (idleCount[c] > 0) {
                    buffer = idle[c][--idleCount[c]];
                    idle[c][idleCount[c]] = null;
                    break;
                }
                long classSize = 1L << (c + MIN_SHIFT);
                boolean fits = reserved + classSize <= budget || dropIdleFor(classSize);
                if (fits && (shared.tryReserve(classSize) || dropIdleToShare(classSize))) {
                    reserved += classSize;
                    buffer = ByteBuffer.allocateDirect((int) classSize);
                    break;
                }
                if (fits) {
                    released.awaitNanos(SHARED_RETRY_NANOS);
                } else {
                    released.await();
                }
            }
        } finally {
            lock.unlock();
        }
        return buffer.clear().limit(size);
    }

    void release(ByteBuffer buffer) {
        int c = Integer.numberOfTrailingZeros(buffer.capacity()) - MIN_SHIFT;
        lock.lock();
        try {
            if (idleCount[c] < idle[c].length) {
                idle[c][idleCount[c]++] = buffer;
            } else {
                reserved -= buffer.capacity();
                shared.release(buffer.capacity());
            }
            released.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes held, idle or in use. */
    long reserved() {
        lock.lock();
        try {
            return reserved;
        } finally {
            lock.unlock();
        }
    }

    /** Drops idle buffers, largest first, until {@code needed} more bytes fit the budget. */
    private boolean dropIdleFor(long needed) {
        for (int c = idle.length - 1; c >= 0 && reserved + needed > budget; c--) {
            while (idleCount[c] > 0 && reserved + needed > budget) {
                drop(c);
            }
        }
        return reserved + needed <= budget;
    }

    /** Gives this pool's idle buffers back to the gateway until {@code needed} bytes can be reserved. */
    private boolean dropIdleToShare(long needed) {
        for (int c = idle.length - 1; c >= 0; c--) {
            while (idleCount[c] > 0) {
                drop(c);
                if (shared.tryReserve(needed)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void drop(int c) {
        idle[c][--idleCount[c]] = null;
        long size = 1L << (c + MIN_SHIFT);
        reserved -= size;
        shared.release(size);
    }

    /** Returns everything to the gateway's budget; only once no buffer is out any more. */
    void close() {
        lock.lock();
        try {
            for (int c = 0; c < idle.length; c++) {
                while (idleCount[c] > 0) {
                    drop(c);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private static int shiftOf(int size) {
        return Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, size) - 1));
    }
}
