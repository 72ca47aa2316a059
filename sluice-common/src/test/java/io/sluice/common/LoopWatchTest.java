package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A loop thread seen from outside: healthy, dead with its cause, or stuck; the clock is passed in, not waited on. */
class LoopWatchTest {
    private static final long STALL = TimeUnit.SECONDS.toNanos(10);

    @Test
    void aThreadThatDiesIsReportedWithItsCause() throws Exception {
        LoopWatch watch = new LoopWatch("worker-0");
        Thread thread = watch.newThread(() -> {
            throw new IllegalStateException("selector closed");
        });
        thread.setUncaughtExceptionHandler((t, e) -> {});
        thread.start();
        thread.join();
        assertThat(watch.problem(System.nanoTime(), STALL))
                .isEqualTo("worker-0 stopped: " + IllegalStateException.class.getName() + ": selector closed");
    }

    @Test
    void aRunningThreadIsHealthyWhileItTurnsAndStuckOnceItDoesNot() throws Exception {
        LoopWatch watch = new LoopWatch("worker-1");
        CountDownLatch release = new CountDownLatch(1);
        Thread thread = watch.newThread(() -> {
            watch.turn();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        thread.start();
        try {
            long now = System.nanoTime();
            assertThat(watch.problem(now, STALL)).isNull();
            assertThat(watch.problem(now + STALL + TimeUnit.SECONDS.toNanos(5), STALL))
                    .startsWith("worker-1 has not turned its loop for ")
                    .endsWith(" ms");
            assertThat(watch.problem(now + STALL * 100, Long.MAX_VALUE))
                    .as("a loop that blocks by design")
                    .isNull();
        } finally {
            release.countDown();
            thread.join();
        }
        assertThat(watch.problem(System.nanoTime(), STALL)).isEqualTo("worker-1 stopped");
    }

    @Test
    void aLoopNotStartedYetIsNoProblem() {
        assertThat(new LoopWatch("later").problem(System.nanoTime(), STALL)).isNull();
    }
}
