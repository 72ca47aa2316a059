package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.protocol.StandbyReader;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimCounter;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The monitor's role (MonitorRole) over real sockets: a standby answers HELLO with STANDBY naming the active and keeps
 * nothing; an active says its fencing epoch in AUTH_RESULT and stamps it on every THROTTLE_SET; simulated gateways
 * given both follow the standby to the active, and leave a server of an older epoch.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitorRoleTest {
    private static final byte[] SECRET = "monitor-role-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private final List<Server> servers = new ArrayList<>();

    /** A monitor daemon with its two mailboxes, and services that take every call. */
    private record Server(
            MonitorDaemon daemon, MailboxService services, MailboxClient client, Path monitorBox, Path servicesBox) {
        InetSocketAddress address() {
            return daemon.address();
        }

        String hostPort() {
            return "127.0.0.1:" + daemon.address().getPort();
        }
    }

    private Server start(MonitorRole role) throws Exception {
        String tag = ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path monitorBox = Path.of("/dev/shm/sluice-test-role-monitor-" + tag);
        Path servicesBox = Path.of("/dev/shm/sluice-test-role-services-" + tag);
        MonitorDaemon daemon = new MonitorDaemon(
                MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                        .withApproved(Set.of(1L, 2L, 3L))
                        .withPolling(200, 10)
                        .withPairs(1, 4)
                        .withRole(role));
        MailboxService services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "test-services")
                .start();
        Server server = new Server(
                daemon, services, MailboxClient.attach(Mailbox.open(monitorBox), 0), monitorBox, servicesBox);
        servers.add(server);
        return server;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Server server : List.copyOf(servers)) {
            stop(server);
        }
    }

    private void stop(Server server) throws Exception {
        servers.remove(server);
        server.client().close();
        server.daemon().close();
        server.services().close();
        Files.deleteIfExists(server.monitorBox());
        Files.deleteIfExists(server.servicesBox());
    }

    @Test
    void aStandbyNamesTheActiveInsteadOfAChallengeAndCloses() throws Exception {
        Server standby = start(MonitorRole.standby("sla-a.example:7444"));
        try (TestGateway gateway = new TestGateway(standby.address(), 1)) {
            gateway.hello();
            gateway.expect(FrameType.STANDBY);
            StandbyReader answer = new StandbyReader().wrap(gateway.decoder);
            assertThat(answer.activeAddressText()).isEqualTo("sla-a.example:7444");
            assertThat(answer.retryAfterMillis()).isZero();
            assertThat(gateway.closedByMonitor()).isTrue();
        }
        MonitorCounters counters = standby.daemon().counters();
        assertThat(counters.standbyReferrals()).isEqualTo(1);
        assertThat(counters.authRefused.sum()).isZero();
        assertThat(standby.daemon().sessionsInSession()).isZero();
        ByteBuffer status = status(standby);
        assertThat(status.getLong(MonitorStatusDescriptor.STANDBY_OFFSET))
                .as("sluice status, /metrics")
                .isEqualTo(1);
        assertThat(status.getLong(MonitorStatusDescriptor.STANDBY_REFERRALS_OFFSET))
                .isEqualTo(1);
    }

    @Test
    void aStandbyThatKnowsNoActiveTellsGatewaysToAskAgainSoon() throws Exception {
        Server standby = start(MonitorRole.standby(null));
        try (TestGateway gateway = new TestGateway(standby.address(), 2)) {
            gateway.hello();
            gateway.expect(FrameType.STANDBY);
            StandbyReader answer = new StandbyReader().wrap(gateway.decoder);
            assertThat(answer.namesActive()).isFalse();
            assertThat(answer.retryAfterMillis()).isEqualTo(MonitorRole.NO_ACTIVE_RETRY_AFTER_MILLIS);
            assertThat(gateway.closedByMonitor()).isTrue();
        }
    }

    @Test
    void anActiveSaysItsEpochAndStampsItOnEveryThrottleSet() throws Exception {
        Server active = start(MonitorRole.active(9));
        try (TestGateway gateway = new TestGateway(active.address(), 1)) {
            assertThat(gateway.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(gateway.lastEpoch).isEqualTo(9);
            var call = active.client()
                    .call(
                            MailboxOpcodes.MONITOR_THROTTLE_SET,
                            0,
                            active.client().nextCorrelationId(),
                            MonitorDaemonTest.throttleFrame(1, 500, 3));
            gateway.expect(FrameType.THROTTLE_SET);
            assertThat(new ThrottleSetReader().wrap(gateway.decoder).epoch())
                    .as("the services wrote 0")
                    .isEqualTo(9);
            gateway.acknowledge();
            Reply reply = call.get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
        }
        ByteBuffer status = status(active);
        assertThat(status.getLong(MonitorStatusDescriptor.STANDBY_OFFSET)).isZero();
        assertThat(status.getLong(MonitorStatusDescriptor.EPOCH_OFFSET)).isEqualTo(9);
    }

    @Test
    void aPromotedStandbyTakesGatewaysAtItsEpochAndAnActiveRefusesAPromotion() throws Exception {
        Server server = start(MonitorRole.standby(null));
        try (TestGateway gateway = new TestGateway(server.address(), 1)) {
            gateway.hello();
            gateway.expect(FrameType.STANDBY);
        }
        assertThat(promote(server, 12).status()).isEqualTo(MailboxStatus.OK);
        assertThat(status(server).getLong(MonitorStatusDescriptor.STANDBY_OFFSET))
                .isZero();
        assertThat(status(server).getLong(MonitorStatusDescriptor.EPOCH_OFFSET)).isEqualTo(12);
        try (TestGateway gateway = new TestGateway(server.address(), 1)) {
            assertThat(gateway.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(gateway.lastEpoch).isEqualTo(12);
            var call = server.client()
                    .call(
                            MailboxOpcodes.MONITOR_THROTTLE_SET,
                            0,
                            server.client().nextCorrelationId(),
                            MonitorDaemonTest.throttleFrame(1, 500, 3));
            gateway.expect(FrameType.THROTTLE_SET);
            assertThat(new ThrottleSetReader().wrap(gateway.decoder).epoch()).isEqualTo(12);
            gateway.acknowledge();
            assertThat(call.get(30, TimeUnit.SECONDS).status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);

            // Active now: never another epoch, nor standby again, while it runs (that is a restart).
            assertThat(promote(server, 13).status()).isEqualTo(MailboxOpcodes.NOT_STANDBY);
            assertThat(server.daemon().role()).isEqualTo(MonitorRole.active(12));
            assertThat(server.daemon().sessionsInSession()).isEqualTo(1);
        }
        Server standby = start(MonitorRole.standby(null));
        Reply bad = standby.client()
                .call(MailboxOpcodes.MONITOR_PROMOTE, new byte[4])
                .get(30, TimeUnit.SECONDS);
        assertThat(bad.status()).as("not one epoch").isEqualTo(MailboxOpcodes.NOT_STANDBY);
        assertThat(standby.daemon().role().standby()).isTrue();
    }

    private static Reply promote(Server server, long epoch) throws Exception {
        return server.client()
                .call(
                        MailboxOpcodes.MONITOR_PROMOTE,
                        ByteBuffer.allocate(8).putLong(epoch).array())
                .get(30, TimeUnit.SECONDS);
    }

    private static ByteBuffer status(Server server) throws Exception {
        Reply reply =
                server.client().call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(30, TimeUnit.SECONDS);
        assertThat(reply.result()).hasSize(MonitorStatusDescriptor.LENGTH);
        return ByteBuffer.wrap(reply.result());
    }

    @Test
    void rolesAreCheckedWhenMade() {
        assertThatThrownBy(() -> MonitorRole.active(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MonitorRole.standby("no-port")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MonitorRole(true, 3, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MonitorRole(false, 3, "a:1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(MonitorRole.STANDALONE.epoch()).isZero();
    }

    @Test
    void simulatedGatewaysFollowTheStandbyAndLeaveAServerOfAnOlderEpoch() throws Exception {
        Server active = start(MonitorRole.active(9));
        Server standby = start(MonitorRole.standby(active.hostPort()));
        Server stale = start(MonitorRole.active(8));
        SimContext context = SimContext.builder(standby.address(), SECRET)
                .alsoMonitor(active.address())
                .alsoMonitor(stale.address())
                .gateways(3)
                .volumesPerGateway(1)
                .firstGatewayId(1)
                .seed(5)
                .build();
        try (Simulator sim = Simulator.start(context)) {
            Await.until(60_000, () -> active.daemon().sessionsInSession() == 3);
            assertThat(standby.daemon().counters().standbyReferrals()).isGreaterThanOrEqualTo(3);
            assertThat(sim.snapshot().total().get(SimCounter.STANDBY_REFERRALS)).isGreaterThanOrEqualTo(3);

            // The active's server goes; the stale one, which lost the lease at epoch 8, still takes connections.
            stop(active);
            Await.until(60_000, () -> sim.snapshot().total().get(SimCounter.STALE_EPOCH_REFUSALS) >= 3);
            assertThat(stale.daemon().sessionsInSession())
                    .as("no simulated gateway stays")
                    .isZero();
            assertThat(stale.daemon().counters().sessionsOpened())
                    .as("none sent VOLUMES")
                    .isZero();
        }
    }
}
