package io.sluice.monitor;

import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Places for TLS handshakes in progress: at most {@code max} at once, and at most {@code perSource} of them for one
 * source address (an IPv6 source counts by its /64). A full handshake costs the monitor milliseconds of CPU (ECDHE, a
 * signature, the client's chain checked); with no bound, thousands arriving together each advance a step per turn of
 * the event loops and all miss their deadline together, so none ever finishes. With the bound, the ones started finish
 * first. The share per source keeps one address that opens connections and stalls them from holding every place for a
 * whole handshake timeout each: it can only slow its own connections.
 *
 * <p>The acceptor waits for room ({@link #awaitRoom}) before it accepts, then {@link #takeOrPark}s: a connection whose
 * source holds its share waits here, unread, with no deadline running (the client's own timeout still runs), until a
 * place of its source comes back. At the global bound, connections wait in the kernel's accept queue instead, costing
 * the monitor nothing. A place is given back ({@link #giveBack}), once per connection, by whichever thread finishes or
 * closes its handshake; that wakes the acceptor, and hands the place straight to the oldest waiting connection that may
 * now have it, which the caller then starts.
 */
final class HandshakeSlots {
    /** A connection accepted while its source held its share of places; it holds an unauthenticated place. */
    record Waiting(SocketChannel channel, InetAddress source) {}

    private final int max;
    private final int perSource;
    private int inProgress;
    private int peak;
    private final Map<InetAddress, Integer> bySource = new HashMap<>();
    /** Oldest first; bounded by the caps on unauthenticated connections, which every waiting one counts against. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /**
     * Whether the acceptor waits for room: only then does giving back wake it (most handshakes finish with room to
     * spare).
     */
    private boolean awaited;

    HandshakeSlots(int max, int perSource) {
        if (max < 1 || perSource < 1 || perSource > max) {
            throw new IllegalArgumentException(
                    "need 1 <= handshakes in progress per address <= in all: " + perSource + ", " + max);
        }
        this.max = max;
        this.perSource = perSource;
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

    /**
     * For a connection just accepted (after {@link #awaitRoom} said there is room): takes a place for it and returns
     * true, or, when its source holds its share, keeps it waiting and returns false.
     */
    synchronized boolean takeOrPark(SocketChannel channel, InetAddress source) {
        if (bySource.getOrDefault(source, 0) >= perSource) {
            waiting.add(new Waiting(channel, source));
            return false;
        }
        take(source);
        return true;
    }

    /**
     * Gives back a place of {@code source}. Returns the oldest waiting connection whose source may now have a place,
     * holding that place (the caller starts its handshake), or null.
     */
    synchronized Waiting giveBack(InetAddress source) {
        inProgress--;
        bySource.computeIfPresent(source, (key, n) -> n <= 1 ? null : n - 1);
        if (!waiting.isEmpty()) {
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting next = it.next();
                if (bySource.getOrDefault(next.source(), 0) < perSource) {
                    it.remove();
                    take(next.source());
                    return next;
                }
            }
        }
        if (awaited) {
            notify();
        }
        return null;
    }

    private void take(InetAddress source) {
        inProgress++;
        peak = Math.max(peak, inProgress);
        bySource.merge(source, 1, Integer::sum);
    }

    /** Takes every waiting connection out (the monitor is closing): the caller closes them. */
    synchronized List<Waiting> drainWaiting() {
        List<Waiting> all = new ArrayList<>(waiting);
        waiting.clear();
        return all;
    }

    synchronized int inProgress() {
        return inProgress;
    }

    /** Connections accepted that wait for a place of their source. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** The most handshakes that were ever in progress at once. */
    synchronized int peak() {
        return peak;
    }

    int max() {
        return max;
    }
}
