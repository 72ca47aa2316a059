package io.sluice.monitor;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Places for connections that have not authenticated yet: at most {@code max} in all and {@code maxPerSource} from one
 * source, so that peers who prove nothing can hold only a bounded share of the monitor, and one source cannot take all
 * of it. An IPv6 source counts by its /64, which one host usually holds whole. Taken by the acceptor, given back (once
 * per connection) by whichever thread authenticates or closes it.
 */
final class UnauthenticatedConnections {
    private final int max;
    private final int maxPerSource;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<InetAddress, Integer> bySource = new ConcurrentHashMap<>();

    UnauthenticatedConnections(int max, int maxPerSource) {
        this.max = max;
        this.maxPerSource = maxPerSource;
    }

    /** Takes a place for a connection from {@code source}; false (nothing taken) when a cap is reached. */
    boolean tryTake(InetAddress source) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        boolean[] taken = new boolean[1];
        bySource.compute(source, (key, n) -> {
            int count = n == null ? 0 : n;
            if (count >= maxPerSource) {
                return n;
            }
            taken[0] = true;
            return count + 1;
        });
        if (!taken[0]) {
            open.decrementAndGet();
        }
        return taken[0];
    }

    void giveBack(InetAddress source) {
        bySource.computeIfPresent(source, (key, n) -> n <= 1 ? null : n - 1);
        open.decrementAndGet();
    }

    /** Connections holding a place now. */
    int open() {
        return open.get();
    }
}
