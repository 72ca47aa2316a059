package io.sluice.bench;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/** Sizes of the Agrona ring-buffer pairs the benchmark lays out in one mapped file. */
final class AgronaRings {
    private AgronaRings() {}

    static int ringLength(int capacity) {
        return capacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /** Agrona's own adaptive idling: spin, then yield, then park from 1 us up to 100 us. */
    static IdleStrategy idleStrategy() {
        return new BackoffIdleStrategy(1_000, 100, 1_000, 100_000);
    }

    static long fileLength(int pairs, int capacity) {
        return 2L * pairs * ringLength(capacity);
    }
}
