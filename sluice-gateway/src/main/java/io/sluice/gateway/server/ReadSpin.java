package io.sluice.gateway.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded spin of a reader waiting for its client's next request at queue depth 1: for up to {@link #BOUND_NANOS}
 * it retries its non-blocking read, yielding its CPU between reads, instead of sleeping in its selector at once,
 * because on a virtual machine whose idle vCPUs halt, waking a sleeping reader costs more than the client's whole
 * turn-around (docs/benchmarks.md, "The QD1 tail"). Bounded three ways, so it never burns a core at idle: each wait
 * spins at most the bound; a spin that finds nothing makes its connection skip the spin for the next 1, 2, 4 ...
 * {@link #MAX_SKIP} waits (reset by a spin that finds a request), so a quiet or sparse client costs one bound now and
 * then; and at most {@link #MAX_SPINNERS} readers of the process spin at once, the others sleep at once.
 * {@code -Dsluice.gateway.read-spin-us=0} turns it off. An instance is one connection's back-off, used by its reader
 * alone; the places are the process's.
 */
final class ReadSpin {
    /** How long one wait may spin; 0 turns spinning off. */
    static final long BOUND_NANOS = Long.getLong("sluice.gateway.read-spin-us", 30) * 1_000;
    /** The most waits a connection skips the spin for after spins that found nothing. */
    static final int MAX_SKIP = 64;
    /** Leaves a core to the others: one spinner on two cores. */
    static final int MAX_SPINNERS = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);

    private static final AtomicInteger SPINNERS = new AtomicInteger();

    /** Waits left before this connection's reader spins again. */
    private int skip;
    /** How many waits the next vain spin makes it skip. */
    private int backoff = 1;

    /** Whether this wait may spin, as far as the connection's back-off goes; counts a skipped wait. */
    boolean mayTry() {
        if (BOUND_NANOS <= 0) {
            return false;
        }
        if (skip > 0) {
            skip--;
            return false;
        }
        return true;
    }

    /** The spin brought a request: the next wait may spin again, and a later vain one skips only one. */
    void found() {
        backoff = 1;
    }

    /** The spin found nothing within the bound: skip the next waits, twice as many each vain spin in a row. */
    void vain() {
        skip = backoff;
        backoff = Math.min(backoff * 2, MAX_SKIP);
    }

    /** Takes a spinner's place; false if {@link #MAX_SPINNERS} readers of this process spin already. */
    static boolean enter() {
        int now = SPINNERS.get();
        while (now < MAX_SPINNERS) {
            if (SPINNERS.compareAndSet(now, now + 1)) {
                return true;
            }
            now = SPINNERS.get();
        }
        return false;
    }

    /** Gives back the place {@link #enter} took. */
    static void exit() {
        SPINNERS.decrementAndGet();
    }
}
