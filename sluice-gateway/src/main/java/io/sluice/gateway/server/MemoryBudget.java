package io.sluice.gateway.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request buffers the whole gateway may hold, shared by every connection's {@link BufferPool}. Without it,
 * many connections each within their own budget could still exhaust the process's direct memory together.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public MemoryBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("memory budget must be positive: " + limit);
        }
        this.limit = limit;
    }

    boolean tryReserve(long bytes) {
        long now;
        do {
            now = used.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long used() {
        return used.get();
    }
}
