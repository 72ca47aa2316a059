package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The simulator's threads start, stop by themselves or when closed, and leave no connection behind. */
class SimulatorLifecycleTest {
    @Test
    void stopsByItselfAfterItsDuration() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            long started = System.nanoTime();
            Simulator sim = Simulator.start(TestSims.quick(monitor.address(), 50)
                    .threads(2)
                    .durationMillis(1_500)
                    .build());
            assertThat(sim.awaitCondition(s -> s.total().inSession() == 50, Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(sim.awaitTermination(Duration.ofSeconds(10))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(5));
            assertThat(sim.isRunning()).isFalse();
            assertThat(sim.failure()).isNull();
            assertThat(sim.snapshot().total().inSession()).isZero();
            assertThat(sim.snapshot().total().get(SimCounter.SESSIONS_ENDED)).isEqualTo(50);
            Await.until("the monitor sees every connection closed", 20_000, () -> monitor.openConnections() == 0);
        }
    }

    @Test
    void closeStopsEveryThreadAndConnection() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            Simulator sim = Simulator.start(
                    TestSims.quick(monitor.address(), 200).threads(2).build());
            assertThat(sim.awaitCondition(s -> s.total().inSession() == 200, Duration.ofSeconds(10)))
                    .isTrue();
            sim.close();
            assertThat(sim.isRunning()).isFalse();
            assertThat(sim.awaitTermination(Duration.ZERO)).isTrue();
            Await.until("the monitor sees every connection closed", 20_000, () -> monitor.openConnections() == 0);
            sim.close();
        }
    }

    @Test
    void keepsTryingWhileNoMonitorListens() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocketChannel closed = ServerSocketChannel.open()) {
            closed.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            nobody = (InetSocketAddress) closed.getLocalAddress();
        }
        try (Simulator sim = Simulator.start(TestSims.quick(nobody, 10).build())) {
            assertThat(sim.awaitCondition(
                            s -> s.total().get(SimCounter.CONNECT_FAILURES) >= 20, Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(sim.isRunning()).isTrue();
            assertThat(sim.snapshot().total().authAccepted()).isZero();
        }
    }
}
