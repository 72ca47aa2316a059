package io.sluice.gateway.qos;

/**
 * Monotonic nanoseconds, injected into everything that decides by time (throttles, tags, delay caps) so unit tests move
 * time by hand instead of sleeping. Same time base as {@link System#nanoTime()}, which the connections use to stamp
 * requests.
 */
@FunctionalInterface
public interface NanoClock {
    long nanoTime();

    static NanoClock system() {
        return System::nanoTime;
    }
}
