package io.sluice.monitor;

import java.util.concurrent.TimeUnit;

/**
 * Places for TLS handshakes in progress: at most {@code max} at once. A full handshake costs the monitor
 * milliseconds of CPU (ECDHE, a signature, the client's chain checked); with no bound, thousands arriving together
 * each advance a step per turn of the event loops and all miss their deadline together, so none ever finishes.
 * With the bound, the ones started finish first.
 *
 * <p>The acceptor waits for room ({@link #awaitRoom}) before it accepts, then {@link #take}s a place for the new
 * connection: at the bound, connections wait in the kernel's accept queue, costing the monitor nothing, and their
 * handshake deadline only starts when they are accepted. The place is given back ({@link #giveBack}), once per
 * connection, by whichever thread finishes or closes its handshake; that wakes the acceptor.
 */
final class HandshakeSlots {
    private final int max;
    private int inProgress;
    private int peak;
    /** Whether the acceptor waits for room: only then does giving back wake it (most handshakes finish with room to spare). */
    private boolean awaited;

    HandshakeSlots(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("handshakes in progress must be at least 1, was " + max);
        }
        this.max = max;
    }

    /** Waits up to {@code timeoutMillis} for a free place; true when there is one (only the acceptor takes them). */
    synchronized boolean awaitRoom(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long left;
        try {
            while (inProgress >= max && (left = deadline - System.nanoTime()) > 0) {
                awaited = true;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } finally {
            awaited = false;
        }
        return inProgress < max;
    }

    synchronized boolean hasRoom() {
        return inProgress < max;
    }

    /** Takes a place for a connection just accepted; the acceptor calls it after {@link #awaitRoom} said there is one. */
    synchronized void take() {
        inProgress++;
        peak = Math.max(peak, inProgress);
    }

    synchronized void giveBack() {
        inProgress--;
        if (awaited) {
            notify();
        }
    }

    synchronized int inProgress() {
        return inProgress;
    }

    /** The most handshakes that were ever in progress at once. */
    synchronized int peak() {
        return peak;
    }

    int max() {
        return max;
    }
}
