package io.sluice.common;

/**
 * Wall-clock milliseconds since the Unix epoch. Injected wherever time is read so that control loops and timeouts can
 * be driven step by step in tests.
 */
@FunctionalInterface
public interface EpochClock {
    long epochMillis();

    static EpochClock system() {
        return System::currentTimeMillis;
    }
}
