package io.sluice.web.auth;

import io.sluice.web.http.ApiProblem;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * At most {@code running} password hashes at once, and at most {@code waiting} more requests queued for one; any
 * request beyond that is answered 503 with {@code Retry-After} at once. An Argon2 hash takes about 19 MiB and a core
 * for tens of milliseconds, so a burst of sign-ins must neither take every core nor pile up an unbounded queue of
 * threads each about to allocate that memory.
 */
public final class BoundedHashing implements PasswordHashing {
    private final PasswordHashing hashing;
    private final int running;
    private final int waiting;
    private final Semaphore admitted;
    private final Semaphore cores;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    public BoundedHashing(PasswordHashing hashing, int running, int waiting) {
        if (running < 1 || waiting < 0) {
            throw new IllegalArgumentException("running must be >= 1 and waiting >= 0");
        }
        this.hashing = hashing;
        this.running = running;
        this.waiting = waiting;
        this.admitted = new Semaphore(running + waiting);
        this.cores = new Semaphore(running, true);
    }

    /** Half the cores (at least one, at most four) hash; sixteen requests may wait their turn. */
    public static BoundedHashing forThisMachine(PasswordHashing hashing) {
        return new BoundedHashing(hashing, Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 1, 4), 16);
    }

    @Override
    public String hash(char[] password) {
        return bounded(() -> hashing.hash(password));
    }

    @Override
    public boolean verify(char[] password, String encoded) {
        return bounded(() -> hashing.verify(password, encoded));
    }

    @Override
    public void burnOneVerification(char[] password) {
        bounded(() -> {
            hashing.burnOneVerification(password);
            return null;
        });
    }

    private <T> T bounded(Supplier<T> work) {
        if (!admitted.tryAcquire()) {
            refused.incrementAndGet();
            throw busy();
        }
        try {
            cores.acquire();
            try {
                peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                return work.get();
            } finally {
                active.decrementAndGet();
                cores.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        } finally {
            admitted.release();
        }
    }

    private static ApiProblem busy() {
        return ApiProblem.of(503, "busy", "Busy", "too many password checks at once")
                .withRetryAfter(1);
    }

    /** How many hashes may run at once. */
    public int running() {
        return running;
    }

    /** How many requests may wait for a hash beyond those running. */
    public int waiting() {
        return waiting;
    }

    /** The most hashes that ever ran at once. */
    public int peak() {
        return peak.get();
    }

    /** Requests answered 503 because the hashing was full. */
    public long refused() {
        return refused.get();
    }
}
