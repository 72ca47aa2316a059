package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.AuthResultDescriptor;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One loop driven by hand on a manual clock: the timing rules (ramp-up, heartbeats, late answers, backoff, handshake
 * timeout, duration) checked to the millisecond, with real sockets but no sleeps. Bytes still take real time to cross
 * loopback, so the test pumps the loop until they have arrived, without moving the clock.
 */
class SimLoopTest {
    private static final long T0 = 1_000_000;
    /** Heartbeats far apart unless a test wants them; backoff 1..8 s; slow answers 300 ms late. */
    private static final SimTimings TIMINGS = new SimTimings(0, 10_000, 2_000, 1_000, 8_000, 300, 10_000, 1);

    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private SimLoop loop;

    @AfterEach
    void finish() {
        if (loop != null) {
            loop.finish();
        }
    }

    @Test
    void firstConnectsAreSpreadOverTheRampUp() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            loop = loop(
                    TestSims.quick(monitor.address(), 4)
                            .timings(new SimTimings(1_000, 10_000, 2_000, 1_000, 8_000, 300, 10_000, 1)),
                    FaultMode.NONE);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(1);
            clock.advance(249);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(1);
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(2);
            clock.advance(500);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(4);
            pump("all four in session", s -> s.total().inSession() == 4);
        }
    }

    @Test
    void heartbeatGoesOutAfterTheIdleInterval() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            loop = loop(TestSims.quick(monitor.address(), 1).timings(TIMINGS), FaultMode.NONE);
            pump("in session", s -> s.total().inSession() == 1);
            clock.advance(TIMINGS.heartbeatIntervalMillis() - 1);
            loop.doWork();
            assertThat(count(SimCounter.HEARTBEATS_SENT)).isZero();
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.HEARTBEATS_SENT)).isEqualTo(1);
            pump(
                    "the monitor has the heartbeat",
                    s -> monitor.seen(loop.gateways()[0].gatewayId()).heartbeats.get() == 1);
        }
    }

    @Test
    void slowGatewayAnswersExactlyItsDelayLate() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            loop = loop(TestSims.quick(monitor.address(), 1).timings(TIMINGS), FaultMode.SLOW);
            pump("in session", s -> s.total().inSession() == 1);
            long poll = monitor.pollAll();
            pump("poll received", s -> s.total().pollsReceived() == 1);
            clock.advance(TIMINGS.slowDelayMillis() - 1);
            loop.doWork();
            assertThat(count(SimCounter.POLLS_ANSWERED)).isZero();
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.POLLS_ANSWERED)).isEqualTo(1);
            pump("the monitor has the answer", s -> monitor.answers(poll) == 1);
        }
    }

    @Test
    void failedConnectsBackOffExponentiallyWithJitter() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocketChannel closed = ServerSocketChannel.open()) {
            closed.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            nobody = (InetSocketAddress) closed.getLocalAddress();
        }
        loop = loop(TestSims.quick(nobody, 1).timings(TIMINGS), FaultMode.NONE);
        long backoff = TIMINGS.backoffMinMillis();
        for (int attempt = 1; attempt <= 3; attempt++) {
            int failures = attempt;
            pump("connect " + attempt + " refused", s -> s.total().get(SimCounter.CONNECT_FAILURES) == failures);
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(attempt);
            long earliest = backoff * 8 / 10;
            long latest = backoff * 12 / 10;
            clock.advance(earliest - 1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS))
                    .as("not before %d ms", earliest)
                    .isEqualTo(attempt);
            clock.advance(latest - earliest + 1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS))
                    .as("by %d ms", latest)
                    .isEqualTo(attempt + 1);
            backoff *= 2;
        }
    }

    @Test
    void handshakeThatGetsNoAnswerTimesOut() throws Exception {
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            // Never accepts: the kernel completes the connect, nobody reads the HELLO.
            mute.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            loop = loop(
                    TestSims.quick((InetSocketAddress) mute.getLocalAddress(), 1)
                            .timings(TIMINGS),
                    FaultMode.NONE);
            pump("connected", s -> s.total().get(SimCounter.CONNECTS) == 1);
            clock.advance(TIMINGS.handshakeTimeoutMillis() - 1);
            loop.doWork();
            assertThat(count(SimCounter.HANDSHAKE_TIMEOUTS)).isZero();
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.HANDSHAKE_TIMEOUTS)).isEqualTo(1);
            assertThat(loop.gateways()[0].state()).isEqualTo(SimulatedGateway.State.WAITING);
        }
    }

    @Test
    void connectsBeyondThePlacesInFlightWaitTheirTurn() throws Exception {
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            // Never accepts: every connect stays in its handshake until the gateway's own timeout.
            mute.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            loop = loop(
                    TestSims.quick((InetSocketAddress) mute.getLocalAddress(), 5)
                            .timings(TIMINGS)
                            .connectsInFlight(2),
                    FaultMode.NONE);
            pump("two connected", s -> s.total().get(SimCounter.CONNECTS) == 2);
            clock.advance(TIMINGS.handshakeTimeoutMillis() - 1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS))
                    .as("the other three wait for a place")
                    .isEqualTo(2);
            assertThat(loop.connectsInFlight()).isEqualTo(2);
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.HANDSHAKE_TIMEOUTS)).isEqualTo(2);
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS))
                    .as("the next two in line got the places")
                    .isEqualTo(4);
            assertThat(loop.connectsInFlight()).isEqualTo(2);
            pump("four connected", s -> s.total().get(SimCounter.CONNECTS) == 4);
            // The first two back off (1 s at least) and queue behind the fifth when they return.
            clock.advance(TIMINGS.handshakeTimeoutMillis());
            loop.doWork();
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS))
                    .as("two more went, as two places came free")
                    .isEqualTo(6);
            assertThat(loop.gateways()[4].state())
                    .as("the fifth, first in line")
                    .isNotEqualTo(SimulatedGateway.State.WAITING);
            assertThat(loop.gateways()[1].state())
                    .as("the second, last in line")
                    .isEqualTo(SimulatedGateway.State.WAITING);
            assertThat(loop.connectsInFlight()).isEqualTo(2);
        }
    }

    @Test
    void aPlaceGivenBackPassesOverEveryStoppedGatewayInLineOnASmallStack() throws Exception {
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            mute.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            loop = loop(
                    TestSims.quick((InetSocketAddress) mute.getLocalAddress(), 20_000)
                            .timings(TIMINGS)
                            .connectsInFlight(1),
                    FaultMode.NONE);
            SimulatedGateway[] gateways = loop.gateways();
            assertThat(loop.takeConnectPlace(gateways[0])).as("the one place").isTrue();
            for (int i = 1; i < gateways.length; i++) {
                assertThat(loop.takeConnectPlace(gateways[i])).isFalse();
            }
            // As when the simulator stops: everyone in line stops first, then the holder's place comes back.
            for (int i = gateways.length - 1; i > 0; i--) {
                gateways[i].stop();
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread stopper = new Thread(
                    null,
                    () -> {
                        try {
                            loop.giveBackConnectPlace();
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    },
                    "small-stack-stopper",
                    128 * 1024);
            stopper.start();
            stopper.join();
            assertThat(failure.get()).isNull();
            assertThat(loop.connectsInFlight())
                    .as("the place is free once no one alive waits")
                    .isZero();
        }
    }

    @Test
    void aForgedRetryAfterKeepsAGatewayAwayForFiveMinutesAtMost() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            SimContext context =
                    TestSims.quick(monitor.address(), 1).timings(TIMINGS).build();
            monitor.unapprove(context.firstGatewayId());
            monitor.forgeRetryAfter(Integer.MAX_VALUE);
            loop = loop(TestSims.quick(monitor.address(), 1).timings(TIMINGS), FaultMode.NONE);
            pump("answered PENDING", s -> s.total().get(SimCounter.AUTH_PENDING) == 1);
            monitor.approve(context.firstGatewayId());
            // The backoff after one failure is at most 1.2 x 1 s, far below the clamp, so the clamp decides.
            clock.advance(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS - 1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(1);
            clock.advance(1);
            loop.doWork();
            assertThat(count(SimCounter.CONNECT_ATTEMPTS)).isEqualTo(2);
            pump("in session after the approval", s -> s.total().inSession() == 1);
        }
    }

    @Test
    void loopFinishesAtItsDurationAndClosesEverything() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            loop = loop(TestSims.quick(monitor.address(), 3).timings(TIMINGS).durationMillis(5_000), FaultMode.NONE);
            pump("in session", s -> s.total().inSession() == 3);
            clock.advance(4_999);
            loop.doWork();
            assertThat(loop.isFinished()).isFalse();
            clock.advance(1);
            loop.doWork();
            assertThat(loop.isFinished()).isTrue();
            assertThat(snapshot().total().inSession()).isZero();
            assertThat(Arrays.stream(loop.gateways()).map(SimulatedGateway::state))
                    .containsOnly(SimulatedGateway.State.STOPPED);
            Await.until("the monitor sees every connection closed", 20_000, () -> monitor.openConnections() == 0);
        }
    }

    @Test
    void answeringPollsAndThrottleSetsAllocatesNothing() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            loop = loop(
                    TestSims.quick(monitor.address(), 1).volumesPerGateway(16).timings(TIMINGS), FaultMode.NONE);
            pump("in session", s -> s.total().inSession() == 1);
            long gatewayId = loop.gateways()[0].gatewayId();
            ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] counts = new long[SimCounters.size()];
            int answered = SimCounter.POLLS_ANSWERED.ordinal();
            int acked = SimCounter.THROTTLE_SETS_ACKED.ordinal();
            long allocated = 0;
            for (int round = 1; round <= 3_000; round++) {
                monitor.throttleAll(round, 1_000 + round);
                monitor.pollAll();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                do {
                    assertThat(System.nanoTime())
                            .as(
                                    "round %d: the loop sent %d answers and %d acks (%d replies dropped, output full),"
                                            + " the monitor got %d answers and %d acks",
                                    round,
                                    counts[answered],
                                    counts[acked],
                                    counts[SimCounter.OUTPUT_FULL.ordinal()],
                                    monitor.answers(round),
                                    monitor.seen(gatewayId).acks.get())
                            .isLessThan(deadline);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    if (loop.doWork() == 0) {
                        loop.idle();
                    }
                    long spent = threads.getCurrentThreadAllocatedBytes() - before;
                    if (round > 1_000) {
                        allocated += spent;
                    }
                    Arrays.fill(counts, 0);
                    loop.counters().addTo(counts);
                } while (counts[answered] < round || counts[acked] < round);
                // Paced by what the monitor received, not only by what the loop sent: a monitor falling behind would
                // fill the socket, and the loop drops a reply it has no room for (OUTPUT_FULL), by design. Spun, not
                // idled: nothing wakes the loop's selector when the monitor reads, so an idle would wait its timeout.
                while (monitor.answers(round) == 0
                        || monitor.seen(gatewayId).acks.get() < round) {
                    if (System.nanoTime() > deadline) {
                        fail(
                                "round %d: the loop sent its answer and ack; the monitor got %d answers and %d acks",
                                round,
                                monitor.answers(round),
                                monitor.seen(gatewayId).acks.get());
                    }
                    Thread.onSpinWait();
                }
            }
            assertThat(allocated)
                    .as("bytes the loop allocated answering 2,000 polls and throttle sets")
                    .isLessThan(1024);
        }
    }

    private SimLoop loop(SimContext.Builder builder, FaultMode fault) throws Exception {
        SimContext context = builder.build();
        FaultMode[] faults = new FaultMode[context.gateways()];
        Arrays.fill(faults, fault);
        return new SimLoop(context, clock, 0, faults, T0);
    }

    /** Runs the loop, clock standing still, until {@code condition} holds (10 s at most). */
    private void pump(String what, Predicate<SimSnapshot> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.test(snapshot())) {
            assertThat(System.nanoTime() - deadline)
                    .as("timed out waiting for: " + what)
                    .isNegative();
            if (loop.doWork() == 0) {
                loop.idle();
            }
        }
    }

    private SimSnapshot snapshot() {
        long[] counts = new long[SimCounters.size()];
        loop.counters().addTo(counts);
        return new SimSnapshot(counts, new int[FaultMode.values().length]);
    }

    private long count(SimCounter counter) {
        return snapshot().total().get(counter);
    }
}
