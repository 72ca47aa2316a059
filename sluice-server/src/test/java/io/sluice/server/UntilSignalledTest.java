package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A role command's watch: an unhealthy role ends its process with UNHEALTHY; a stop ends it with OK. */
class UntilSignalledTest {
    private final UntilSignalled.InProcessRole role = new UntilSignalled.InProcessRole();

    @BeforeEach
    void runAsAnInProcessRole() {
        // So the test's stop latch, not a JVM shutdown hook, ends the watch.
        UntilSignalled.InProcessRole.CURRENT.set(role);
    }

    @AfterEach
    void clear() {
        UntilSignalled.InProcessRole.CURRENT.remove();
    }

    @Test
    void aRoleThatReportsAProblemEndsUnhealthy() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        try (UntilSignalled signal = new UntilSignalled(1_000)) {
            int exit = signal.watch(
                    "test unhealthy", () -> checks.incrementAndGet() < 2 ? null : "its loop died", 0, () -> {});
            assertThat(exit).isEqualTo(ExitCode.UNHEALTHY);
        }
        assertThat(checks).hasValue(2);
    }

    @Test
    void aStopEndsTheWatchWithOkAndNoStatusWhenNoneIsAsked() throws Exception {
        AtomicInteger statuses = new AtomicInteger();
        role.stop.countDown();
        try (UntilSignalled signal = new UntilSignalled(1_000)) {
            assertThat(signal.watch("test unhealthy", () -> "never asked", 0, statuses::incrementAndGet))
                    .isEqualTo(ExitCode.OK);
        }
        assertThat(statuses).hasValue(0);
        assertThat(role.stopped.getCount())
                .as("closed: the role's stop is acknowledged")
                .isZero();
    }
}
