package io.sluice.web.auth;

import io.sluice.common.EpochClock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed-attempt limit per key (a client address): at most {@code maxFailures} within a sliding {@code windowMillis}.
 * Checked before the password is hashed, so guessing costs the server nothing once a key is blocked.
 */
public final class LoginLimiter {
    private final EpochClock clock;
    private final int maxFailures;
    private final long windowMillis;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public LoginLimiter(EpochClock clock, int maxFailures, long windowMillis) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.windowMillis = windowMillis;
    }

    /** Milliseconds until {@code key} may try again; 0 when it may now. */
    public long retryAfterMillis(String key) {
        Deque<Long> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            prune(times);
            return times.size() < maxFailures ? 0 : Math.max(1, times.peekFirst() + windowMillis - clock.epochMillis());
        }
    }

    public void recordFailure(String key) {
        Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times);
            times.addLast(clock.epochMillis());
        }
        if (failures.size() > 100_000) {
            // Bounded memory under a spray of distinct keys: forget those with nothing recent.
            failures.values().removeIf(d -> {
                synchronized (d) {
                    prune(d);
                    return d.isEmpty();
                }
            });
        }
    }

    public void recordSuccess(String key) {
        failures.remove(key);
    }

    private void prune(Deque<Long> times) {
        long cutoff = clock.epochMillis() - windowMillis;
        while (!times.isEmpty() && times.peekFirst() <= cutoff) {
            times.removeFirst();
        }
    }
}
