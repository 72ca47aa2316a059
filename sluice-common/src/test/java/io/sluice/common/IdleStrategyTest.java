package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The idle strategies' decisions, checked by what they do next, never by how long they took. */
class IdleStrategyTest {
    @Test
    void backOffDoublesItsParkWithinTheBoundsAndStartsOverAfterWork() {
        BackoffIdleStrategy backoff = new BackoffIdleStrategy(2, 1, 1_000, 5_000);
        List<Long> parks = new ArrayList<>();
        for (int turn = 0; turn < 8; turn++) {
            parks.add(backoff.nextParkNanos());
            backoff.idle(0);
        }
        assertThat(parks)
                .as("two spins and a yield at the shortest park, then parks doubling up to the bound")
                .containsExactly(1_000L, 1_000L, 1_000L, 1_000L, 2_000L, 4_000L, 5_000L, 5_000L);
        backoff.idle(1);
        assertThat(backoff.nextParkNanos()).isEqualTo(1_000L);
        assertThat(BackoffIdleStrategy.fixedPause(7).nextParkNanos()).isEqualTo(7);
        assertThatThrownBy(() -> new BackoffIdleStrategy(0, 0, 10, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signalIdleSpinsForItsSpinTimeThenWaitsOnTheSignalForAtMostItsBound() {
        AtomicLong nanos = new AtomicLong(1_000);
        List<Long> waits = new ArrayList<>();
        AtomicInteger rings = new AtomicInteger();
        SignalIdleStrategy idle = new SignalIdleStrategy(500, 10_000, waits::add, rings::incrementAndGet, nanos::get);

        idle.idle(0);
        nanos.addAndGet(499);
        idle.idle(0);
        assertThat(waits).as("still spinning").isEmpty();
        nanos.addAndGet(1);
        idle.idle(0);
        assertThat(waits).containsExactly(10_000L);
        idle.idle(3);
        idle.idle(0);
        assertThat(waits).as("work starts the spin over").hasSize(1);
        idle.wake();
        assertThat(rings).hasValue(1);

        List<Long> atOnce = new ArrayList<>();
        new SignalIdleStrategy(0, 20, atOnce::add, () -> {}, nanos::get).idle(0);
        assertThat(atOnce).as("no spin: waits on the first idle turn").containsExactly(20L);
    }
}
