package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimCounter;
import io.sluice.sim.SimTimings;
import io.sluice.sim.SimTls;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound on TLS handshakes in progress: many more gateways than the bound arriving at once all get in, in turn, and
 * no more than the bound are ever in their handshake; connections beyond it wait unaccepted, their deadline not yet
 * running. One address holds only its share of the places: its connections beyond wait for one of its own, and the rest
 * of the fleet is not held up. Real sockets, real certificates, the simulator as the fleet (each simulated gateway
 * connects from its own loopback address; the silent peers from 127.0.0.1).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HandshakeBoundTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final int BOUND = 2;
    private static final int GATEWAYS = 24;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 2_000;

    @TempDir
    Path dir;

    private Path monitorBox;
    private Path servicesBox;
    private CertificateAuthority ca;
    private MonitorDaemon daemon;
    private MailboxService services;
    private final List<SocketChannel> idle = new ArrayList<>();

    @BeforeEach
    void authority() throws Exception {
        monitorBox = ShmNames.file("monitor-bound");
        servicesBox = ShmNames.file("services-bound");
        ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
    }

    private void start(MonitorContext.UnauthenticatedLimits limits) throws Exception {
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(LongStream.rangeClosed(1, GATEWAYS).boxed().collect(Collectors.toSet()))
                // The simulated gateways all serve vol-1, flagged shared.
                .withSharedVolumes(Map.of(
                        "vol-1", LongStream.rangeClosed(1, GATEWAYS).boxed().collect(Collectors.toSet())))
                .withPolling(1_000, 3)
                .withPairs(2, GATEWAYS)
                .withHandshake(HANDSHAKE_TIMEOUT_MILLIS, limits)
                .withTls(TestMonitorTls.from(ca, null));
        daemon = new MonitorDaemon(context);
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "test-services")
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel channel : idle) {
            channel.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (services != null) {
            services.close();
        }
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void manyGatewaysArrivingAtOnceAllAuthenticateWithNoMoreThanTheBoundInTheirHandshake() throws Exception {
        // The whole bound for one address: this test is about the bound, and its silent peers share one address.
        start(new MonitorContext.UnauthenticatedLimits(4 * GATEWAYS, 4 * GATEWAYS, BOUND, BOUND));
        // Two peers that connect and say nothing hold both places until their deadline: meanwhile the fleet
        // arrives and waits unaccepted; the monitor must not count their wait against their own deadline.
        for (int i = 0; i < BOUND; i++) {
            idle.add(SocketChannel.open(daemon.address()));
        }
        // (The peak, not the count now: on a slow machine the silent peers may already have been closed.)
        Await.until(20_000, () -> daemon.handshakesInProgressPeak() == BOUND);
        Await.until(20_000, () -> daemon.counters().handshakeBoundReached() >= 1);

        AtomicInteger sampledMax = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (sampling.get()) {
                sampledMax.accumulateAndGet(daemon.handshakesInProgress(), Math::max);
                LockSupport.parkNanos(50_000);
            }
        });
        try (Simulator sim = Simulator.start(fleet(5))) {
            awaitEveryGatewayInSession(sim);
            sampling.set(false);
            sampler.join();
            assertThat(sim.snapshot().total().get(SimCounter.HANDSHAKE_TIMEOUTS))
                    .as("no gateway gave up waiting")
                    .isZero();
        }
        for (SocketChannel silent : idle) {
            assertThat(readToEnd(silent))
                    .as("the silent peers were closed at their deadline")
                    .isTrue();
        }
        assertThat(daemon.counters().handshakeTimeouts()).as("the silent peers").isGreaterThanOrEqualTo(BOUND);
        assertThat(daemon.handshakesInProgressPeak()).isLessThanOrEqualTo(BOUND);
        assertThat(sampledMax.get()).isBetween(1, BOUND);
        assertThat(daemon.counters().sessionsOpened()).isEqualTo(GATEWAYS);
    }

    @Test
    void aConnectionTheUnauthenticatedCapsRefuseGivesItsHandshakePlaceBack() throws Exception {
        // Room for four handshakes, all of them one address's, but only two unauthenticated connections from one
        // address.
        start(new MonitorContext.UnauthenticatedLimits(64, 2, 4, 4));
        idle.add(SocketChannel.open(daemon.address()));
        idle.add(SocketChannel.open(daemon.address()));
        Await.until(20_000, () -> daemon.unauthenticatedConnections() == 2 && daemon.handshakesInProgress() == 2);
        try (SocketChannel third = SocketChannel.open(daemon.address())) {
            assertThat(readToEnd(third))
                    .as("closed at once by the per-address cap")
                    .isTrue();
        }
        Await.until(20_000, () -> daemon.counters().unauthenticatedRefused() == 1);
        Await.until(20_000, () -> daemon.handshakesInProgress() == 2);
        for (SocketChannel channel : idle) {
            channel.close();
        }
        idle.clear();
        Await.until(20_000, () -> daemon.handshakesInProgress() == 0 && daemon.unauthenticatedConnections() == 0);
        try (TestGateway gw =
                new TestGateway(daemon.address(), 1, TlsContexts.create(certificate(1), List.of(ca.certificate())))) {
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
        }
        assertThat(daemon.handshakesInProgressPeak()).isEqualTo(2);
    }

    @Test
    void oneAddressStallingItsHandshakesHoldsOnlyItsShareAndTheFleetGetsInPastIt() throws Exception {
        int silent = 4;
        start(new MonitorContext.UnauthenticatedLimits(4 * GATEWAYS, 4 * GATEWAYS, 4, 1));
        for (int i = 0; i < silent; i++) {
            idle.add(SocketChannel.open(daemon.address()));
        }
        // Before the share, these four would have held all four places for a deadline each while the fleet queued.
        Await.until(20_000, () -> daemon.handshakesInProgress() == 1 && daemon.handshakesWaiting() == silent - 1);

        try (Simulator sim = Simulator.start(fleet(6))) {
            awaitEveryGatewayInSession(sim);
            assertThat(sim.snapshot().total().get(SimCounter.HANDSHAKE_TIMEOUTS))
                    .isZero();
        }
        assertThat(daemon.counters().handshakesWaited())
                .as("only the silent address's connections ever waited")
                .isEqualTo(silent - 1);
        // Each silent connection gets its place in turn and is closed at its own deadline, counted from then.
        for (SocketChannel channel : idle) {
            assertThat(readToEnd(channel)).isTrue();
        }
        Await.until(20_000, () -> daemon.handshakesWaiting() == 0 && daemon.handshakesInProgress() == 0);
        assertThat(daemon.counters().handshakeTimeouts()).isEqualTo(silent);
        assertThat(daemon.handshakesInProgressPeak()).isLessThanOrEqualTo(4);
    }

    @Test
    void aGatewayWaitingForItsAddressesShareGetsThePlaceItsNeighbourGivesBack() throws Exception {
        start(new MonitorContext.UnauthenticatedLimits(64, 8, 4, 1));
        SocketChannel neighbour = SocketChannel.open(daemon.address());
        idle.add(neighbour);
        Await.until(20_000, () -> daemon.handshakesInProgress() == 1);
        CompletableFuture<TestGateway> connecting = CompletableFuture.supplyAsync(() -> {
            try {
                return new TestGateway(
                        daemon.address(), 1, TlsContexts.create(certificate(1), List.of(ca.certificate())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until(20_000, () -> daemon.handshakesWaiting() == 1);
        assertThat(connecting).as("its handshake has not started").isNotDone();
        neighbour.close();
        try (TestGateway gw = connecting.get(60, TimeUnit.SECONDS)) {
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
        }
        assertThat(daemon.counters().handshakesWaited()).isEqualTo(1);
        assertThat(daemon.counters().handshakeTimeouts())
                .as("nobody was closed for time spent waiting")
                .isZero();
    }

    /**
     * The fleet, arriving all at once (no ramp, every gateway connecting together), and patient: these tests are about
     * the monitor. Each simulated gateway connects from its own loopback address.
     */
    private SimContext fleet(long seed) throws Exception {
        SimTimings patient = new SimTimings(0, 5_000, 60_000, 250, 1_000, 1_500, 10_000, 3);
        return SimContext.builder(daemon.address(), SECRET)
                .gateways(GATEWAYS)
                .volumesPerGateway(1)
                .firstGatewayId(1)
                .seed(seed)
                .timings(patient)
                .connectsInFlight(GATEWAYS)
                .tls(SimTls.load(dir.resolve("pki")))
                .build();
    }

    private void awaitEveryGatewayInSession(Simulator sim) throws InterruptedException {
        Await.until(
                "every gateway in session",
                90_000,
                () -> daemon.sessionsInSession() >= GATEWAYS,
                () -> TestGateway.describe(daemon) + "; " + sim.snapshot().summaryLine());
    }

    /** Reads (and drops) whatever the monitor sends until it closes the connection; true when it did. */
    private static boolean readToEnd(SocketChannel channel) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(4096);
        try {
            while (channel.read(sink.clear()) >= 0) {
                // an alert or close_notify, perhaps
            }
            return true;
        } catch (IOException reset) {
            return true;
        }
    }

    private KeyMaterial certificate(long gatewayId) throws Exception {
        return ca.issueKeyMaterial(
                GatewayCertificateName.of(gatewayId), List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
    }
}
