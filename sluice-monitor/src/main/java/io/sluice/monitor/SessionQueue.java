package io.sluice.monitor;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded many-producer, one-consumer queue of sessions with work for an outbound thread. A session is in it at most
 * once (see {@link Session#schedule}), so a capacity of the pair's maximum session count never overflows. Array-based
 * with per-cell sequence numbers, so enqueueing allocates nothing.
 */
final class SessionQueue {
    private final int mask;
    private final AtomicReferenceArray<Session> cells;
    private final AtomicLongArray sequences;
    private final AtomicLong tail = new AtomicLong();
    private long head;

    SessionQueue(int minCapacity) {
        int capacity = Integer.highestOneBit(Math.max(2, minCapacity - 1)) << 1;
        mask = capacity - 1;
        cells = new AtomicReferenceArray<>(capacity);
        sequences = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            sequences.set(i, i);
        }
    }

    /** False only when full. */
    boolean offer(Session session) {
        while (true) {
            long t = tail.get();
            int index = (int) (t & mask);
            long seq = sequences.get(index);
            if (seq == t) {
                if (tail.compareAndSet(t, t + 1)) {
                    cells.lazySet(index, session);
                    sequences.set(index, t + 1);
                    return true;
                }
            } else if (seq < t) {
                return false;
            }
        }
    }

    /** Consumer only. */
    Session poll() {
        int index = (int) (head & mask);
        if (sequences.get(index) != head + 1) {
            return null;
        }
        Session session = cells.get(index);
        cells.lazySet(index, null);
        sequences.set(index, head + mask + 1);
        head++;
        return session;
    }

    boolean isEmpty() {
        return sequences.get((int) (head & mask)) != head + 1;
    }
}
