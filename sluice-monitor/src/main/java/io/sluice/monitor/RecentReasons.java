package io.sluice.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * The reasons the most recent connections were closed, for tests and diagnostics: a fixed ring of the last
 * {@code capacity} reasons, each new one overwriting the oldest. Sessions close on whichever thread noticed (a pair's
 * inbound or outbound thread, the conductor, the acceptor, the mailbox thread), so every method takes the ring's lock;
 * recording a close is one store under it, never a count or a scan, and no other lock is taken while it is held.
 */
final class RecentReasons {
    private final String[] ring;
    /** Reasons ever recorded; the next goes to {@code recorded % ring.length}. */
    private long recorded;

    RecentReasons(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: at least 1, was " + capacity);
        }
        ring = new String[capacity];
    }

    synchronized void add(String reason) {
        ring[(int) (recorded % ring.length)] = reason;
        recorded++;
    }

    /** Whether one of the kept reasons contains {@code text}. */
    synchronized boolean anyContains(String text) {
        int kept = kept();
        for (int i = 0; i < kept; i++) {
            if (ring[i].contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** The kept reasons, oldest first. */
    synchronized List<String> oldestFirst() {
        int kept = kept();
        List<String> reasons = new ArrayList<>(kept);
        for (long i = recorded - kept; i < recorded; i++) {
            reasons.add(ring[(int) (i % ring.length)]);
        }
        return reasons;
    }

    private int kept() {
        return (int) Math.min(recorded, ring.length);
    }
}
