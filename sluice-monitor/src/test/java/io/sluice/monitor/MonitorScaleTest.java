package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.sim.FaultMode;
import io.sluice.sim.FaultPlan;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimSnapshot;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The monitor's scale test: a thousand simulated gateways on loopback against the real daemon and real mailboxes. Every
 * poll of a healthy gateway is answered, every throttle set is delivered and acknowledged, misbehaving gateways are
 * isolated, and wrongly-keyed or unapproved ones get nothing.
 */
class MonitorScaleTest {
    private static final byte[] SECRET = "scale-test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final int GATEWAYS = 1_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void thousandGatewaysArePolledThrottledAndIsolated() throws Exception {
        Path monitorBox = ShmNames.file("scale-monitor");
        Path servicesBox = ShmNames.file("scale-services");
        Set<Long> approved = LongStream.rangeClosed(1, GATEWAYS).boxed().collect(Collectors.toSet());
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(approved)
                .withPolling(250, 20)
                .withPairs(0, GATEWAYS)
                // The simulated gateways all serve vol-1 and vol-2, flagged shared: bound to every one of them.
                .withSharedVolumes(Map.of("vol-1", approved, "vol-2", approved))
                // Every simulated gateway comes from 127.0.0.1, standing for a thousand hosts: no per-address cap.
                .withHandshake(10_000, new MonitorContext.UnauthenticatedLimits(2 * GATEWAYS, 2 * GATEWAYS));
        // 20 missed polls (5 s) before a gateway counts as unreachable: a healthy one on a machine too busy to
        // answer three polls in a row must not be disconnected, or its throttle set is only stored.
        Map<Long, AtomicLong> reports = new ConcurrentHashMap<>();
        Map<Long, GatewayState> lastState = new ConcurrentHashMap<>();
        try (MonitorDaemon daemon = new MonitorDaemon(context);
                MailboxService services = new MailboxService(
                                MailboxCallee.attach(Mailbox.open(servicesBox)),
                                request -> {
                                    ByteBuffer p = request.params()
                                            .asSlice(0, request.length())
                                            .asByteBuffer();
                                    if (ServicesReports.carriesReports(request)) {
                                        ServicesReports.forEach(
                                                request,
                                                stats -> reports.computeIfAbsent(
                                                                stats.gatewayId(), id -> new AtomicLong())
                                                        .incrementAndGet());
                                    } else if (request.opcode() == MailboxOpcodes.SERVICES_GATEWAY_STATE) {
                                        lastState.put(
                                                p.getLong(0),
                                                GatewayState.fromCode(p.getInt(GatewayStateDescriptor.STATE_OFFSET)));
                                    }
                                    request.reply(MailboxStatus.OK, 0);
                                },
                                20_000,
                                "scale-services")
                        .start();
                MailboxClient services2monitor = MailboxClient.attach(Mailbox.open(monitorBox), 0)) {
            // Gateways 1..1000, of which 10 go silent after the handshake and 10 send garbage mid-session.
            FaultPlan faults = FaultPlan.none();
            for (int i = 0; i < 10; i++) {
                faults = faults.withGateway(100 + i, FaultMode.SILENT).withGateway(200 + i, FaultMode.MALFORMED);
            }
            SimContext simContext = SimContext.builder(daemon.address(), SECRET)
                    .gateways(GATEWAYS)
                    .volumesPerGateway(2)
                    .firstGatewayId(1)
                    .faults(faults)
                    .seed(7)
                    .build();
            byte[] wrongSecret = "another-deployment-secret-xxxxxxxxxxx".getBytes(StandardCharsets.UTF_8);
            try (Simulator sim = Simulator.start(simContext);
                    Simulator intruders = Simulator.start(SimContext.builder(daemon.address(), wrongSecret)
                            .gateways(5)
                            .firstGatewayId(1)
                            .seed(8)
                            .build());
                    Simulator strangers = Simulator.start(SimContext.builder(daemon.address(), SECRET)
                            .gateways(5)
                            .firstGatewayId(50_000)
                            .seed(9)
                            .build())) {
                List<Long> healthy = new ArrayList<>();
                for (int i = 0; i < GATEWAYS; i++) {
                    FaultMode mode = sim.faultOf(i);
                    if (mode == FaultMode.NONE) {
                        healthy.add(sim.gatewayId(i));
                    }
                }
                // Every healthy gateway's reports keep arriving: answered poll after poll.
                Await.until(
                        90_000,
                        () -> healthy.stream()
                                .allMatch(id -> reports.getOrDefault(id, new AtomicLong())
                                                .get()
                                        >= 5));
                SimSnapshot snapshot = sim.snapshot();
                assertThat(snapshot.of(FaultMode.NONE).pollsAnswered()).isGreaterThanOrEqualTo(5L * healthy.size());

                // Throttle sets to every healthy gateway, through the monitor's mailbox, all acknowledged: at once, or
                // (a gateway that was between connections when its set came, which a loaded machine can cause) stored
                // and sent again when it is back in session.
                List<CompletableFuture<Reply>> acks = new ArrayList<>();
                for (long id : healthy) {
                    acks.add(callWithRetry(services2monitor, MonitorDaemonTest.throttleFrame(id, 1_000 + id, 2)));
                }
                for (CompletableFuture<Reply> ack : acks) {
                    assertThat(ack.get(60, TimeUnit.SECONDS).status())
                            .isIn(MailboxOpcodes.THROTTLE_ACKED, MailboxOpcodes.THROTTLE_STORED);
                }
                Await.until(30_000, () -> sim.snapshot().of(FaultMode.NONE).throttleSetsAcked() >= healthy.size());
                Await.until(30_000, () -> daemon.counters().throttlesAcked() >= healthy.size());

                // Misbehaving gateways are isolated: silent ones become unreachable, garbage closes only them.
                Await.until(
                        30_000,
                        () -> LongStream.range(100, 110).allMatch(i -> {
                            GatewayState s = lastState.get(sim.gatewayId((int) i));
                            return s == GatewayState.UNREACHABLE || s == GatewayState.DISCONNECTED;
                        }));
                assertThat(daemon.counters().framesRefused()).isGreaterThanOrEqualTo(10);

                // Intruders (wrong key) and strangers (unapproved) never get a session, a poll or a throttle set.
                assertThat(intruders.snapshot().total().inSession()).isZero();
                assertThat(intruders.snapshot().total().pollsReceived()).isZero();
                assertThat(strangers.snapshot().total().pollsReceived()).isZero();
                assertThat(strangers.snapshot().total().authPending()).isPositive();
                assertThat(daemon.pendingApprovals()).isEqualTo(5);
                // The sizing formula may ask for more pairs than cores (1000 gateways at 200 us want 20); the ceiling
                // holds.
                assertThat(daemon.pairCount()).isBetween(1, context.pairCeiling());
            }
        } finally {
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        }
    }

    private static CompletableFuture<Reply> callWithRetry(MailboxClient client, byte[] frame)
            throws InterruptedException {
        while (true) {
            CompletableFuture<Reply> f =
                    client.call(MailboxOpcodes.MONITOR_THROTTLE_SET, 0, client.nextCorrelationId(), frame);
            if (!f.isCompletedExceptionally()) {
                return f;
            }
            Thread.sleep(1);
        }
    }
}
