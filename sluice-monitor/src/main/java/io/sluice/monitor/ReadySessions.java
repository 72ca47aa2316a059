package io.sluice.monitor;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The sessions in session that an inbound thread's selector found readable in one turn. Its owner takes them from the
 * front; an idle inbound thread of another pair may take them from the back (work sharing, docs/design.md "The
 * monitor's thread pairs"). Each take is one compare-and-set on the range still untaken, so the owner and the others
 * never take the same place; allocation-free.
 *
 * <p>A hint, not a claim on the session: a thief that took a place just as the owner started its next turn may find
 * there a session of the new turn, which the owner may take as well. What makes a read exclusive is the session's
 * reader token ({@link Session#reader}), which whoever reads takes first.
 */
final class ReadySessions {
    private static final long HALF = 32;
    private static final long LOW = (1L << HALF) - 1;
    private final AtomicReferenceArray<Session> cells;
    /** The untaken places: the next from the front in the high half, one past the last in the low half. */
    private final AtomicLong range = new AtomicLong();

    ReadySessions(int capacity) {
        cells = new AtomicReferenceArray<>(capacity);
    }

    int capacity() {
        return cells.length();
    }

    /** Owner, between turns (nothing untaken): the session at place {@code index} of the next turn. */
    void put(int index, Session session) {
        cells.set(index, session);
    }

    /** Owner: places 0 to {@code count} - 1 may be taken from now on. */
    void publish(int count) {
        range.set(count);
    }

    /** The owner's next session, or null when all are taken. */
    Session takeFirst() {
        while (true) {
            long r = range.get();
            long head = r >>> HALF;
            long tail = r & LOW;
            if (head >= tail) {
                return null;
            }
            if (range.compareAndSet(r, ((head + 1) << HALF) | tail)) {
                return cells.get((int) head);
            }
        }
    }

    /** Another thread's take, from the back, or null when all are taken. */
    Session takeLast() {
        while (true) {
            long r = range.get();
            long head = r >>> HALF;
            long tail = r & LOW;
            if (head >= tail) {
                return null;
            }
            if (range.compareAndSet(r, (head << HALF) | (tail - 1))) {
                return cells.get((int) (tail - 1));
            }
        }
    }

    /** How many are still untaken. */
    int remaining() {
        long r = range.get();
        return (int) Math.max(0, (r & LOW) - (r >>> HALF));
    }
}
