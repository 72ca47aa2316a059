package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An agent's life on its runner's thread: started, turned, closed on that thread; a failure kept and reported. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentRunnerTest {
    private static final long STALL = TimeUnit.SECONDS.toNanos(30);

    @Test
    void runsTheAgentOnANamedThreadFromStartToClose() throws Exception {
        Recording agent = new Recording("recording-agent", 0);
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.yielding(), new ManualEpochClock(42));
        assertThat(agent.events).as("the constructor starts nothing").isEmpty();
        assertThat(runner.isRunning()).isFalse();

        runner.start();
        assertThat(agent.turned.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(runner.isRunning()).isTrue();
        assertThat(runner.problem(System.nanoTime(), STALL)).isNull();
        runner.close();

        assertThat(runner.isRunning()).isFalse();
        assertThat(agent.events.getFirst()).isEqualTo("start on recording-agent");
        assertThat(agent.events.getLast()).isEqualTo("close on recording-agent");
        assertThat(agent.events).contains("work at 42 on recording-agent");
        assertThat(runner.failure()).isNull();
        assertThat(runner.problem(System.nanoTime(), STALL))
                .as("a loop closed on purpose still says it stopped: the role is ending")
                .isEqualTo("recording-agent stopped");
    }

    @Test
    void aTurnThatThrowsEndsTheLoopAndIsReportedWithItsCause() throws Exception {
        Recording agent = new Recording("failing-agent", 3);
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.busySpin(), EpochClock.system());
        runner.start();
        assertThat(agent.closed.await(30, TimeUnit.SECONDS)).isTrue();
        while (runner.isRunning()) {
            Thread.onSpinWait();
        }
        assertThat(runner.failure()).isInstanceOf(IllegalStateException.class).hasMessage("turn 3 failed");
        assertThat(runner.problem(System.nanoTime(), STALL))
                .isEqualTo("failing-agent stopped: " + IllegalStateException.class.getName() + ": turn 3 failed");
        assertThat(agent.events.getLast()).as("closed even so").isEqualTo("close on failing-agent");
        runner.close();
    }

    @Test
    void closeCutsAWaitShortAndANeverStartedAgentClosesOnTheCallersThread() throws Exception {
        Recording agent = new Recording("parked-agent", 0);
        AgentRunner parked = new AgentRunner(
                agent,
                BackoffIdleStrategy.fixedPause(TimeUnit.HOURS.toNanos(1)),
                EpochClock.system(),
                TimeUnit.MINUTES.toMillis(1));
        parked.start();
        assertThat(agent.turned.await(30, TimeUnit.SECONDS)).isTrue();
        parked.close();
        assertThat(parked.isRunning()).as("woken from its hour-long park").isFalse();

        Recording never = new Recording("never-started", 0);
        AgentRunner runner = new AgentRunner(never, IdleStrategy.busySpin(), EpochClock.system());
        runner.close();
        runner.close();
        assertThat(never.events)
                .containsExactly("close on " + Thread.currentThread().getName());
        assertThatThrownBy(runner::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void wakeCutsOneWaitShortAndTheLoopGoesOn() throws Exception {
        Recording agent = new Recording("woken-agent", 0);
        AgentRunner runner =
                new AgentRunner(agent, BackoffIdleStrategy.fixedPause(TimeUnit.HOURS.toNanos(1)), EpochClock.system());
        runner.wake();
        runner.start();
        assertThat(agent.turned.await(30, TimeUnit.SECONDS)).isTrue();
        runner.wake();
        assertThat(agent.turnedTwice.await(30, TimeUnit.SECONDS))
                .as("a second turn without waiting out the hour")
                .isTrue();
        assertThat(runner.isRunning()).isTrue();
        runner.close();
    }

    @Test
    void anOwnerInterruptedWhileClosingStopsWaitingAndKeepsItsInterrupt() throws Exception {
        Recording agent = new Recording("interrupted-owner-agent", 0);
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.yielding(), EpochClock.system());
        runner.start();
        assertThat(agent.turned.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.currentThread().interrupt();
        runner.closeKeepingInterrupt();
        assertThat(Thread.interrupted()).as("the interrupt kept").isTrue();
        assertThat(agent.closed.await(30, TimeUnit.SECONDS))
                .as("the loop ends all the same")
                .isTrue();
    }

    /** Notes what happened on which thread; throws on turn {@code failOnTurn} (0: never). */
    private static final class Recording implements Agent {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch turned = new CountDownLatch(1);
        final CountDownLatch turnedTwice = new CountDownLatch(2);
        final CountDownLatch closed = new CountDownLatch(1);
        private final String name;
        private final int failOnTurn;
        private final AtomicInteger turns = new AtomicInteger();

        Recording(String name, int failOnTurn) {
            this.name = name;
            this.failOnTurn = failOnTurn;
        }

        @Override
        public void onStart() {
            events.add("start on " + Thread.currentThread().getName());
        }

        @Override
        public int doWork(long nowMillis) {
            int turn = turns.incrementAndGet();
            if (turn == failOnTurn) {
                throw new IllegalStateException("turn " + turn + " failed");
            }
            if (turn == 1) {
                events.add(
                        "work at " + nowMillis + " on " + Thread.currentThread().getName());
            }
            turned.countDown();
            turnedTwice.countDown();
            return 0;
        }

        @Override
        public void onClose() {
            events.add("close on " + Thread.currentThread().getName());
            closed.countDown();
        }

        @Override
        public String roleName() {
            return name;
        }
    }
}
