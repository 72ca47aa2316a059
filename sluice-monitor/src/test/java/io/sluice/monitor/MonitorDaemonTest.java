package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultReader;
import io.sluice.protocol.AuthWriter;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.HelloWriter;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The daemon with real sockets on loopback and real mailboxes; gateways driven by hand. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorDaemonTest {
    @TempDir
    Path dir;

    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final ValueLayout.OfLong BIG_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Path monitorBox;
    private Path servicesBox;
    private MonitorContext context;
    private MonitorDaemon daemon;
    private MailboxService services;
    private MailboxClient monitorClient;
    private final Queue<Long> statsFrom = new ConcurrentLinkedQueue<>();
    private final Queue<String> states = new ConcurrentLinkedQueue<>();
    private final Queue<String> announced = new ConcurrentLinkedQueue<>();
    /** The capabilities word announced with each gateway's volumes. */
    private final Map<Long, Long> capabilitiesOf = new ConcurrentHashMap<>();

    private final Queue<Boolean> reportBeforeAnnouncement = new ConcurrentLinkedQueue<>();
    /** Per gateway: the report sequences the services took, and the caller indexes the reports came under. */
    private final Map<Long, Queue<Long>> sequencesOf = new ConcurrentHashMap<>();

    private final Map<Long, Set<Integer>> callersOf = new ConcurrentHashMap<>();
    /** Counted down at once unless a test plays services that have stopped taking calls. */
    private volatile CountDownLatch servicesTakeCalls = new CountDownLatch(0);

    @BeforeEach
    void start() throws Exception {
        monitorBox = ShmNames.file("monitor");
        servicesBox = ShmNames.file("services");
        context = MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(Set.of(1L, 2L, 3L, 4L))
                .withTokens(Set.of("enroll-me"))
                // Ten missed polls (half a second) make a gateway unreachable: a test thread that a busy machine
                // keeps from answering for a few polls must not lose its session.
                .withPolling(50, 10)
                .withPairs(2, 10);
        daemon = new MonitorDaemon(context);
        services = startServices();
        monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    /** The services' side of their mailbox, as a test callee: it records what the monitor posts. */
    private MailboxService startServices() throws IOException {
        return new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)), this::takeServicesCall, 0, "test-services")
                .start();
    }

    private void takeServicesCall(MailboxCallee.Request request) {
        try {
            servicesTakeCalls.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
        switch (request.opcode()) {
            case MailboxOpcodes.SERVICES_STATS_REPORT, MailboxOpcodes.SERVICES_STATS_BATCH ->
                ServicesReports.forEach(request, stats -> {
                    statsFrom.add(stats.gatewayId());
                    sequencesOf
                            .computeIfAbsent(stats.gatewayId(), g -> new ConcurrentLinkedQueue<>())
                            .add(stats.reportSequence());
                    callersOf
                            .computeIfAbsent(stats.gatewayId(), g -> ConcurrentHashMap.newKeySet())
                            .add(request.callerIndex());
                });
            case MailboxOpcodes.SERVICES_GATEWAY_STATE ->
                states.add(params.getLong(0) + ":"
                        + GatewayState.fromCode(params.getInt(GatewayStateDescriptor.STATE_OFFSET)));
            case MailboxOpcodes.SERVICES_GATEWAY_VOLUMES -> {
                assertThat(GatewayVolumesDescriptor.isWellFormed(params, request.length()))
                        .isTrue();
                GatewayVolumesDescriptor.Reader part = new GatewayVolumesDescriptor.Reader().wrap(params);
                capabilitiesOf.put(part.gatewayId(), part.capabilities());
                for (int i = 0; i < part.count(); i++) {
                    announced.add(part.gatewayId() + ":" + part.volumeId(i) + ":" + part.gatewayName() + "/"
                            + part.volumeName(i));
                }
                statsFrom.forEach(gateway -> reportBeforeAnnouncement.add(gateway == part.gatewayId()));
            }
            default -> {}
        }
        request.reply(MailboxStatus.OK, 0);
    }

    @AfterEach
    void stop() throws Exception {
        monitorClient.close();
        daemon.close();
        services.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void approvedGatewayIsPolledAndItsReportsReachTheServices() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            answerPolls(gw, 3);
            Await.until(20_000, () -> statsFrom.size() >= 3);
            assertThat(statsFrom).containsOnly(1L);
            assertThat(states).contains("1:IN_SESSION");
            assertThat(daemon.counters().pollsAnswered()).isGreaterThanOrEqualTo(3);
        }
        Await.until(20_000, () -> states.contains("1:DISCONNECTED"));
    }

    @Test
    void twoGatewaysProposingTheSameVolumeIdsGetDistinctOnesAnnouncedByNameBeforeTheirReports() throws Exception {
        try (TestGateway one = new TestGateway(daemon.address(), 1);
                TestGateway two = new TestGateway(daemon.address(), 2)) {
            one.helloVolumes = 3;
            two.helloVolumes = 3;
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(two.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(one.assignedIds).containsExactly(1, 2, 3);
            assertThat(two.assignedIds).containsExactly(4, 5, 6);
            answerPolls(two, 1);
            Await.until(20_000, () -> announced.size() == 6 && statsFrom.contains(2L));
            assertThat(announced)
                    .containsExactlyInAnyOrder(
                            "1:1:gw-1/vol-1",
                            "1:2:gw-1/vol-2",
                            "1:3:gw-1/vol-3",
                            "2:4:gw-2/vol-1",
                            "2:5:gw-2/vol-2",
                            "2:6:gw-2/vol-3");
            assertThat(reportBeforeAnnouncement).doesNotContain(true);
            assertThat(capabilitiesOf)
                    .as("HELLO's capabilities, passed on with the volumes")
                    .containsEntry(1L, TestGateway.CAPABILITIES)
                    .containsEntry(2L, TestGateway.CAPABILITIES);
        }
    }

    @Test
    void aReportOnAVolumeTheGatewayDidNotDeclareIsRefusedAndCounted() throws Exception {
        try (TestGateway honest = new TestGateway(daemon.address(), 1);
                TestGateway liar = new TestGateway(daemon.address(), 2)) {
            assertThat(honest.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(liar.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            // The liar speaks for the honest gateway's volume.
            liar.reportedVolumeId = honest.assignedIds[0];
            answerPolls(liar, 2);
            answerPolls(honest, 1);
            Await.until(20_000, () -> daemon.counters().reportsRefused() == 2 && statsFrom.contains(1L));
            assertThat(statsFrom).doesNotContain(2L);
            // Refused, not disconnected: a misconfigured gateway keeps its session and is polled on.
            assertThat(liar.expect(FrameType.POLL)).isEqualTo(FrameType.POLL);
        }
    }

    @Test
    void aGatewayWithMoreVolumesThanAServerSupportsIsRefusedWithTheReason() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 3)) {
            gw.helloVolumes = HelloDescriptor.MAX_VOLUMES + 1;
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.REFUSED);
            assertThat(gw.lastReason).isEqualTo(AuthReason.TOO_MANY_VOLUMES);
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
            gw.helloVolumes = HelloDescriptor.MAX_VOLUMES;
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(gw.assignedIds).hasSize(HelloDescriptor.MAX_VOLUMES).doesNotHaveDuplicates();
            // Announced in parts that fit the services' slots, every volume by name.
            Await.until(20_000, () -> announced.size() == HelloDescriptor.MAX_VOLUMES);
            assertThat(announced).contains("4:" + gw.assignedIds[4095] + ":gw-4/vol-4096");
        }
    }

    @Test
    void aGatewayOverTheConfiguredVolumeLimitIsRefusedCountedAndShownInTheStatus() throws Exception {
        restart(context.withVolumeLimit(8));
        try (TestGateway gw = new TestGateway(daemon.address(), 3)) {
            gw.helloVolumes = 9;
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.REFUSED);
            assertThat(gw.lastReason).isEqualTo(AuthReason.TOO_MANY_VOLUMES);
        }
        assertThat(daemon.counters().volumeLimitRefusals()).isEqualTo(1);
        Await.until(20_000, () -> states.contains("3:REFUSED"));
        assertThat(announced).noneMatch(volume -> volume.startsWith("3:"));
        try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
            gw.helloVolumes = 8;
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            Await.until(20_000, () -> announced.size() == 8);
        }
        assertThat(statusFigure(MonitorStatusDescriptor.VOLUME_LIMIT_REFUSALS_OFFSET))
                .isEqualTo(1);
        assertThatThrownBy(() -> context.withVolumeLimit(HelloDescriptor.MAX_VOLUMES + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max volumes per gateway");
    }

    @Test
    void aGatewayAnnouncingNewVolumeNamesAtEverySessionRunsOutOfNamesAndIsClosed() throws Exception {
        restart(context.withVolumeLimit(2));
        for (String prefix : List.of("a-", "b-", "c-", "d-")) {
            try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
                gw.helloVolumes = 2;
                gw.volumeNamePrefix = prefix;
                assertThat(gw.handshake(SECRET)).as(prefix).isEqualTo(AuthOutcome.ACCEPTED);
            }
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
            gw.helloVolumes = 2;
            gw.volumeNamePrefix = "e-";
            assertThatThrownBy(() -> gw.handshake(SECRET))
                    .as("names nine and ten of a gateway allowed two at once")
                    .isInstanceOf(IOException.class);
        }
        Await.until(20_000, () -> daemon.closedFor("too many volume names"));
        assertThat(daemon.counters().volumeLimitRefusals()).isEqualTo(1);
        try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
            gw.helloVolumes = 2;
            gw.volumeNamePrefix = "b-";
            assertThat(gw.handshake(SECRET))
                    .as("names it was given ids for still work")
                    .isEqualTo(AuthOutcome.ACCEPTED);
        }
    }

    /** Restarts the daemon with {@code next}: the test's mailboxes stay, the monitor's threads and sockets are new. */
    private void restart(MonitorContext next) throws Exception {
        monitorClient.close();
        daemon.close();
        daemon = new MonitorDaemon(next);
        monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    /**
     * MONITOR_BIND_SHARED_VOLUME or MONITOR_UNBIND_SHARED_VOLUME of {@code name} for gateway {@code gatewayId}: the
     * status.
     */
    private int sharedVolumeCall(int opcode, long gatewayId, String name) throws Exception {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        byte[] params = ByteBuffer.allocate(Long.BYTES + utf8.length)
                .putLong(gatewayId)
                .put(utf8)
                .array();
        return monitorClient.call(opcode, params).get(10, TimeUnit.SECONDS).status();
    }

    @Test
    void aGatewayNotBoundToASharedNameIsRefusedThatVolumeWhileBoundOnesShareOneId() throws Exception {
        // Gateways 1 and 2 serve the LUN vol-1 together; gateway 3 is approved (its key works) but was never bound to
        // it.
        restart(context.withSharedVolumes(Map.of("vol-1", Set.of(1L, 2L))));
        try (TestGateway one = new TestGateway(daemon.address(), 1);
                TestGateway two = new TestGateway(daemon.address(), 2);
                TestGateway intruder = new TestGateway(daemon.address(), 3)) {
            for (TestGateway gw : List.of(one, two, intruder)) {
                gw.helloVolumes = 2;
                gw.sharedVolumes = 1;
                assertThat(gw.handshake(SECRET))
                        .as(TestGateway.describe(daemon))
                        .isEqualTo(AuthOutcome.ACCEPTED);
            }
            int lun = one.assignedIds[0];
            assertThat(two.assignedIds[0])
                    .as("bound gateways serve the one shared volume")
                    .isEqualTo(lun);
            assertThat(intruder.assignedIds[0])
                    .as("an unbound gateway does not join it")
                    .isEqualTo(VolumeIdsDescriptor.REFUSED);
            assertThat(intruder.assignedIds[1])
                    .as("its own volume is served")
                    .isPositive()
                    .isNotEqualTo(lun);
            Await.until(20_000, () -> announced.size() == 5);
            assertThat(announced)
                    .contains(
                            "1:" + lun + ":gw-1/vol-1",
                            "2:" + lun + ":gw-2/vol-1",
                            "3:" + intruder.assignedIds[1] + ":gw-3/vol-2")
                    .noneMatch(volume -> volume.startsWith("3:" + lun + ":"));
            assertThat(daemon.counters().sharedVolumesRefused()).isEqualTo(1);

            // Its reports for the shared volume are refused like a report on a volume it never declared.
            intruder.reportedVolumeId = lun;
            answerPolls(intruder, 1);
            Await.until(20_000, () -> daemon.counters().reportsRefused() == 1);
            intruder.reportedVolumeId = intruder.assignedIds[1];
            answerPolls(intruder, 1);
            Await.until(20_000, () -> statsFrom.contains(3L));
        }
        assertThat(statusFigure(MonitorStatusDescriptor.SHARED_VOLUMES_REFUSED_OFFSET))
                .isEqualTo(1);
    }

    @Test
    void aSimulatedGatewayLeavesTheSharedVolumesItWasRefusedOutOfItsReports() throws Exception {
        // The simulator's gateways serve vol-1 and vol-2 flagged shared; nobody bound them to gateway 4.
        try (Simulator sim = Simulator.start(SimContext.builder(daemon.address(), SECRET)
                .gateways(1)
                .volumesPerGateway(2)
                .firstGatewayId(4)
                .seed(4)
                .build())) {
            Await.until(
                    20_000,
                    () -> statsFrom.contains(4L) && sim.snapshot().total().pollsAnswered() >= 3);
            assertThat(daemon.counters().sharedVolumesRefused()).isEqualTo(2);
            assertThat(daemon.counters().reportsRefused())
                    .as("its reports name no refused volume")
                    .isZero();
            assertThat(announced).noneMatch(volume -> volume.startsWith("4:"));
        }
    }

    @Test
    void aSharedVolumeBoundThroughTheMailboxOutlivesARestartAndAnUnboundGatewayLosesItAtOnce() throws Exception {
        MonitorContext withRegistry =
                context.withRegistryFile(dir.resolve("monitor").resolve("gateways.registry"));
        restart(withRegistry);
        int lun;
        try (TestGateway one = new TestGateway(daemon.address(), 1)) {
            one.sharedVolumes = 1;
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(one.assignedIds)
                    .as("an upgrade binds no shared name by itself")
                    .containsExactly(VolumeIdsDescriptor.REFUSED);
            assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, 1, "vol-1"))
                    .isEqualTo(MailboxStatus.OK);
            assertThat(one.closedByMonitor())
                    .as("binding makes the gateway register again")
                    .isTrue();
        }
        assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, 2, "vol-1"))
                .isEqualTo(MailboxStatus.OK);
        assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, 0, "vol-1"))
                .isEqualTo(MailboxOpcodes.BAD_GATEWAY_ID);
        assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, 1, ""))
                .isEqualTo(MailboxOpcodes.BAD_VOLUME_NAME);
        assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, 1, "x".repeat(65)))
                .isEqualTo(MailboxOpcodes.BAD_VOLUME_NAME);
        try (TestGateway one = new TestGateway(daemon.address(), 1)) {
            one.sharedVolumes = 1;
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            lun = one.assignedIds[0];
            assertThat(lun).as("bound at its next registration").isPositive();
        }

        restart(withRegistry);
        try (TestGateway one = new TestGateway(daemon.address(), 1);
                TestGateway two = new TestGateway(daemon.address(), 2)) {
            one.sharedVolumes = 1;
            two.sharedVolumes = 1;
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(two.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(one.assignedIds)
                    .as("the binding and the volume's id outlive the restart")
                    .containsExactly(lun);
            assertThat(two.assignedIds).containsExactly(lun);

            assertThat(sharedVolumeCall(MailboxOpcodes.MONITOR_UNBIND_SHARED_VOLUME, 2, "vol-1"))
                    .isEqualTo(MailboxStatus.OK);
            assertThat(two.closedByMonitor())
                    .as("unbinding ends the gateway's session")
                    .isTrue();
        }
        try (TestGateway two = new TestGateway(daemon.address(), 2)) {
            two.sharedVolumes = 1;
            assertThat(two.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(two.assignedIds)
                    .as("unbound: refused at its next registration")
                    .containsExactly(VolumeIdsDescriptor.REFUSED);
        }
        assertThat(Files.readString(dir.resolve("monitor").resolve("gateways.registry")))
                .contains("bound 1 vol-1", "unbound 2 vol-1");
        try (TestGateway one = new TestGateway(daemon.address(), 1)) {
            one.sharedVolumes = 1;
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(one.assignedIds).as("the gateway still bound keeps it").containsExactly(lun);
        }
        assertThat(monitorClient
                        .call(
                                MailboxOpcodes.MONITOR_REVOKE_GATEWAY,
                                ByteBuffer.allocate(Long.BYTES).putLong(1).array())
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.OK);
        try (TestGateway one = new TestGateway(daemon.address(), 1)) {
            one.sharedVolumes = 1;
            assertThat(one.handshake(SECRET))
                    .as("a revoked gateway serves nothing")
                    .isEqualTo(AuthOutcome.REFUSED);
        }
    }

    @Test
    void aDeadThreadOfAPairMakesTheDaemonUnhealthy() throws Exception {
        assertThat(daemon.problems()).isEmpty();
        // Kill the thread, not the process: its selector closed under it, select() throws and the loop ends.
        daemon.pair(1).inbound().closeSelector();
        Await.until(20_000, () -> !daemon.problems().isEmpty());
        assertThat(daemon.problems())
                .singleElement()
                .asString()
                .startsWith("monitor-in-1 stopped")
                .contains("ClosedSelectorException");
    }

    @Test
    void wrongKeyIsRefusedAndGetsNothingElse() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 2)) {
            byte[] wrongKey = "not-the-right-key-at-all-000000000".getBytes(StandardCharsets.UTF_8);
            assertThat(gw.handshake(wrongKey, new byte[0])).isEqualTo(AuthOutcome.REFUSED);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        assertThat(daemon.counters().authRefused()).isEqualTo(1);
        assertThat(daemon.sessionsInSession()).isZero();
        assertThat(statsFrom).isEmpty();
    }

    @Test
    void aRefusedGatewayAlwaysGetsItsAnswerBeforeTheClose() throws Exception {
        // HELLO and a wrong AUTH in one write: the refusal is decided while the CHALLENGE may be on its way out,
        // and must still be written, with its reason, before the connection closes.
        int attempts = 300;
        for (int i = 0; i < attempts; i++) {
            try (TestGateway gw = new TestGateway(daemon.address(), 2)) {
                gw.out.clear();
                new HelloWriter().write(gw.out, gw.sequence++, 2, 0, 1, "gw-2");
                new AuthWriter().write(gw.out, gw.sequence++, 2, new byte[32], new byte[0]);
                gw.out.flip();
                while (gw.out.hasRemaining()) {
                    gw.channel.write(gw.out);
                }
                int attempt = i;
                assertThat(gw.expect(FrameType.CHALLENGE)).isEqualTo(FrameType.CHALLENGE);
                try {
                    gw.expect(FrameType.AUTH_RESULT);
                } catch (IOException closedFirst) {
                    throw new AssertionError("attempt " + attempt + ": closed before the AUTH_RESULT", closedFirst);
                }
                var result = new AuthResultReader().wrap(gw.decoder);
                assertThat(result.outcome()).isEqualTo(AuthOutcome.REFUSED);
                assertThat(result.reason()).isEqualTo(AuthReason.WRONG_ANSWER);
                assertThat(gw.closedByMonitor()).isTrue();
            }
        }
        assertThat(daemon.counters().authRefused()).isEqualTo(attempts);
    }

    @Test
    void unknownGatewayWaitsForApprovalAndATokenAdmitsAtOnce() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 77)) {
            AuthOutcome outcome;
            try {
                outcome = gw.handshake(SECRET);
            } catch (IOException e) {
                throw new AssertionError(
                        "handshake of an unknown gateway ended early; " + TestGateway.describe(daemon), e);
            }
            assertThat(outcome).isEqualTo(AuthOutcome.PENDING);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        assertThat(daemon.pendingApprovals()).isEqualTo(1);
        byte[] id = new byte[8];
        ByteBuffer.wrap(id).putLong(77);
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, id)
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.OK);
        try (TestGateway gw = new TestGateway(daemon.address(), 77)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 88)) {
            assertThat(gw.handshake(GatewayKeys.derive(SECRET, 88), "enroll-me".getBytes()))
                    .isEqualTo(AuthOutcome.ACCEPTED);
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 89)) {
            assertThat(gw.handshake(GatewayKeys.derive(SECRET, 89), "enroll-me".getBytes()))
                    .as("a token is single-use")
                    .isEqualTo(AuthOutcome.REFUSED);
        }
    }

    @Test
    void anEnrollmentTokenGivenThroughTheMailboxAdmitsOneGateway() throws Exception {
        byte[] hash =
                MessageDigest.getInstance("SHA-256").digest("issued-at-run-time".getBytes(StandardCharsets.UTF_8));
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, hash)
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.OK);
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, new byte[31])
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.BAD_REQUEST);
        try (TestGateway gw = new TestGateway(daemon.address(), 90)) {
            assertThat(gw.handshake(
                            GatewayKeys.derive(SECRET, 90), "issued-at-run-time".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(AuthOutcome.ACCEPTED);
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 91)) {
            AuthOutcome second;
            try {
                second = gw.handshake(
                        GatewayKeys.derive(SECRET, 91), "issued-at-run-time".getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedBeforeTheAnswerWasRead) {
                // The monitor closes a refused connection at once; the close may beat the read of its answer.
                second = AuthOutcome.REFUSED;
            }
            assertThat(second).as("the token admits one gateway only").isEqualTo(AuthOutcome.REFUSED);
        }
        assertThat(daemon.sessionsInSession()).isLessThanOrEqualTo(1);
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, hash)
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .as("a used token cannot be given again")
                .isEqualTo(MailboxOpcodes.TOKEN_ALREADY_USED);
    }

    @Test
    void throttleSetTravelsFromTheMailboxToTheGatewayAndItsAckBack() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 3)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            var reply = monitorClient.call(
                    MailboxOpcodes.MONITOR_THROTTLE_SET,
                    0,
                    monitorClient.nextCorrelationId(),
                    throttleFrame(3, 2_000, 7));
            gw.expect(FrameType.THROTTLE_SET);
            var set = new ThrottleSetReader().wrap(gw.decoder);
            assertThat(set.volume(0).iopsLimit()).isEqualTo(2_000);
            assertThat(set.volume(0).version()).isEqualTo(7);
            gw.acknowledge();
            Reply acked = reply.get(10, TimeUnit.SECONDS);
            assertThat(acked.status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
            assertThat(ByteBuffer.wrap(acked.result()).get(FrameDescriptor.TYPE_OFFSET))
                    .isEqualTo((byte) FrameType.THROTTLE_ACK.code());
        }
    }

    @Test
    void throttleForAnAbsentGatewayIsStoredAndResentWhenItConnects() throws Exception {
        Reply stored = monitorClient
                .call(
                        MailboxOpcodes.MONITOR_THROTTLE_SET,
                        0,
                        monitorClient.nextCorrelationId(),
                        throttleFrame(4, 500, 3))
                .get(10, TimeUnit.SECONDS);
        assertThat(stored.status()).isEqualTo(MailboxOpcodes.THROTTLE_STORED);
        try (TestGateway gw = new TestGateway(daemon.address(), 4)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            gw.expect(FrameType.THROTTLE_SET);
            assertThat(new ThrottleSetReader().wrap(gw.decoder).volume(0).iopsLimit())
                    .isEqualTo(500);
        }
    }

    @Test
    void malformedRequestsToTheMailboxGetTypedErrors() throws Exception {
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_THROTTLE_SET, new byte[10])
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.BAD_REQUEST);
        byte[] lying = throttleFrame(3, 1, 1);
        ByteBuffer.wrap(lying).putInt(FrameDescriptor.LENGTH_OFFSET, 9999);
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_THROTTLE_SET, lying)
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.BAD_REQUEST);
        assertThat(monitorClient
                        .call(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, new byte[3])
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxOpcodes.BAD_GATEWAY_ID);
        assertThat(monitorClient
                        .call(0x7777, new byte[0])
                        .get(10, TimeUnit.SECONDS)
                        .status())
                .isEqualTo(MailboxStatus.UNKNOWN_OPCODE);
        assertThat(statusFigure(MonitorStatusDescriptor.PAIRS_OFFSET)).isEqualTo(2);
    }

    @Test
    void garbageFromOneGatewayClosesOnlyThatConnection() throws Exception {
        try (TestGateway good = new TestGateway(daemon.address(), 1);
                TestGateway bad = new TestGateway(daemon.address(), 2)) {
            assertThat(good.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(bad.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            bad.sendRaw("GET / HTTP/1.1\r\nHost: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(bad.closedByMonitor()).isTrue();
            assertThat(daemon.counters().framesRefused()).isEqualTo(1);
            long answered = daemon.counters().pollsAnswered();
            answerPolls(good, 3);
            Await.until(20_000, () -> daemon.counters().pollsAnswered() >= answered + 3);
        }
    }

    @Test
    void silentGatewayIsMarkedUnreachableWhileOthersAreServed() throws Exception {
        try (TestGateway silent = new TestGateway(daemon.address(), 1);
                TestGateway chatty = new TestGateway(daemon.address(), 2)) {
            assertThat(silent.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(chatty.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            // The chatty gateway answers every poll until the test ends, so only the silent one misses polls.
            Thread answering = Thread.ofPlatform().name("chatty-gateway").start(() -> {
                try {
                    while (true) {
                        chatty.expect(FrameType.POLL);
                        chatty.answer();
                    }
                } catch (IOException closed) {
                    // the test closed the gateway
                }
            });
            Await.until(20_000, () -> states.contains("1:UNREACHABLE"));
            assertThat(states).doesNotContain("2:UNREACHABLE");
            chatty.close();
            answering.join(5_000);
        }
    }

    @Test
    void frameSizesAndHandshakeOrderAreEnforced() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            byte[] huge = new byte[24];
            ByteBuffer.wrap(huge).putInt(0, 64 << 20).put(4, (byte) 1).put(5, (byte) FrameType.HELLO.code());
            gw.sendRaw(huge);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            gw.answerPoll(1);
            assertThat(gw.closedByMonitor()).as("STATS before HELLO").isTrue();
        }
        assertThat(daemon.counters().framesRefused()).isEqualTo(2);
    }

    @Test
    void sessionsMoveToANewPairAndKeepBeingServed() throws Exception {
        // The two-step move itself, by count: so the conductor's own measures cannot make the pairs unequal meanwhile.
        restart(context.withBalancing(false));
        List<TestGateway> gateways = new ArrayList<>();
        try {
            inSession(gateways, 1, 2, 3, 4);
            // Two pairs share four sessions; a third pair starts empty.
            daemon.pairs().addPair();
            assertThat(daemon.loads().rebalance()).isEqualTo(1);
            Await.until(20_000, () -> daemon.counters().sessionsMigrated() == 1);
            long answered = daemon.counters().pollsAnswered();
            for (TestGateway gw : gateways) {
                answerPolls(gw, 3);
            }
            Await.until(20_000, () -> daemon.counters().pollsAnswered() >= answered + 12);
            var reply = monitorClient.call(
                    MailboxOpcodes.MONITOR_THROTTLE_SET,
                    0,
                    monitorClient.nextCorrelationId(),
                    throttleFrame(1, 100, 1));
            gateways.get(0).expect(FrameType.THROTTLE_SET);
            gateways.get(0).acknowledge();
            assertThat(reply.get(10, TimeUnit.SECONDS).status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
            assertThat(daemon.loads().rebalance()).as("balanced now").isZero();
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void aGatewayMovedOnRequestGoesToThePairAskedForAndKeepsBeingServed() throws Exception {
        // By count, with three sessions on two pairs: moving one from the pair of two leaves the counts within the
        // tolerance, so the conductor's own balancing does not move it back.
        restart(context.withBalancing(false));
        List<TestGateway> gateways = new ArrayList<>();
        try {
            inSession(gateways, 1, 2, 3);
            assertThat(daemon.pairCount()).isEqualTo(2);
            int[] pairOf = {daemon.pairOf(1), daemon.pairOf(2), daemon.pairOf(3)};
            int crowded = pairOf[0] == pairOf[1] || pairOf[0] == pairOf[2] ? pairOf[0] : pairOf[1];
            int moving = pairOf[0] == crowded ? 0 : 1;
            long movingId = moving + 1;
            int stayingIndex = 2;
            long stayingId = 3;
            int target = 1 - crowded;
            // A pair that does not exist and a gateway with no session are left as they are.
            daemon.moveGateway(stayingId, 7);
            daemon.moveGateway(99, target);
            daemon.moveGateway(movingId, target);
            Await.until(20_000, () -> daemon.counters().sessionsMigrated() == 1);
            assertThat(daemon.pairOf(movingId)).isEqualTo(target);
            assertThat(daemon.pairOf(stayingId)).isEqualTo(pairOf[stayingIndex]);
            assertThat(daemon.pairOf(99)).isEqualTo(-1);
            long answered = daemon.counters().pollsAnswered();
            for (TestGateway gw : gateways) {
                answerPolls(gw, 3);
            }
            Await.until(20_000, () -> daemon.counters().pollsAnswered() >= answered + 9);
            assertThat(daemon.counters().sessionsMigrated()).isEqualTo(1);
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void aRetiredPairHandsEverySessionToTheOthersAndStops() throws Exception {
        List<TestGateway> gateways = new ArrayList<>();
        try {
            inSession(gateways, 1, 2, 3, 4);
            // Growth: a third pair, and a session moves onto it.
            daemon.pairs().resizeTo(3);
            assertThat(daemon.pairCount()).isEqualTo(3);
            assertThat(daemon.loads().rebalance()).isEqualTo(1);
            Await.until(20_000, () -> daemon.counters().sessionsMigrated() == 1);
            assertThat(daemon.pair(2).sessionCount()).isEqualTo(1);
            // Shrink: the third pair gives its session back and stops; nobody new lands on it meanwhile.
            daemon.pairs().resizeTo(2);
            Await.until(20_000, daemon.pairs()::retireStep);
            assertThat(daemon.pairCount()).isEqualTo(2);
            assertThat(daemon.counters().pairsRetired()).isEqualTo(1);
            assertThat(daemon.counters().sessionsMigrated()).isEqualTo(2);
            assertThat(daemon.pair(0).sessionCount() + daemon.pair(1).sessionCount())
                    .isEqualTo(4);
            // Every gateway is still served: polled, and its answers taken.
            long answered = daemon.counters().pollsAnswered();
            for (TestGateway gw : gateways) {
                answerPolls(gw, 2);
            }
            Await.until(20_000, () -> daemon.counters().pollsAnswered() >= answered + 8);
            assertThat(daemon.problems()).isEmpty();
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void eachPairPostsItsGatewaysReportsUnderItsOwnCallerIndex() throws Exception {
        try (TestGateway one = new TestGateway(daemon.address(), 1);
                TestGateway two = new TestGateway(daemon.address(), 2)) {
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(two.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            // Nothing measured yet: placed by count, one on each pair.
            assertThat(daemon.session(1).pair.index())
                    .isNotEqualTo(daemon.session(2).pair.index());
            for (int i = 0; i < 3; i++) {
                one.answerPoll(0);
                two.answerPoll(0);
            }
            Await.until(20_000, () -> statsFrom.size() == 6);
            assertThat(callersOf.get(1L))
                    .containsExactly(ServerMailboxes.CALLER_MONITOR_PAIRS
                            + daemon.session(1).pair.index());
            assertThat(callersOf.get(2L))
                    .containsExactly(ServerMailboxes.CALLER_MONITOR_PAIRS
                            + daemon.session(2).pair.index());
            // Gateway states come from any thread, under the monitor's own index.
            assertThat(states).contains("1:IN_SESSION", "2:IN_SESSION");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aRestartedMonitorCollectsTheCallsItsPairsLeftInTheServicesMailbox() throws Exception {
        CountDownLatch taking = new CountDownLatch(1);
        servicesTakeCalls = taking;
        try (TestGateway one = new TestGateway(daemon.address(), 1);
                TestGateway two = new TestGateway(daemon.address(), 2)) {
            assertThat(one.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(two.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            one.answerPoll(0);
            two.answerPoll(0);
            // Both pairs' reports wait in the services' mailbox (the services hold the first call they took).
            Await.until(20_000, () -> daemon.counters().reportBatchesPosted() >= 2);
        }
        restart(context);
        assertThat(daemon.services().inherited())
                .as("calls left under the pairs' indexes")
                .isPositive();
        taking.countDown();
        Await.until(60_000, () -> statsFrom.size() == 2);
        assertThat(statsFrom).containsExactlyInAnyOrder(1L, 2L);
        // The successor's pairs (and its conductor, for pairs not running) collected every inherited reply.
        Await.until(60_000, () -> daemon.services().inheritedOutstanding() == 0);
        try (Mailbox box = Mailbox.open(servicesBox)) {
            Await.until(
                    60_000,
                    () -> MailboxSnapshot.take(box).slots().stream()
                            .noneMatch(slot -> slot.callerIndex() >= ServerMailboxes.CALLER_MONITOR_PAIRS));
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void anIdlePairSharesABusyPairsWorkAndEveryGatewaysReportsStayInOrder() throws Exception {
        // A clock that stands still: no sizing step, so no rebalancing moves the sessions; all start on one pair.
        restart(context.withClock(new ManualEpochClock(System.currentTimeMillis()))
                .withPairs(1, 10)
                .withApproved(LongStream.rangeClosed(1, 16).boxed().collect(Collectors.toSet())));
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (long id = 1; id <= 16; id++) {
                TestGateway gw = new TestGateway(daemon.address(), id);
                assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                gateways.add(gw);
            }
            daemon.pairs().addPair();
            assertThat(daemon.pair(1).sessionCount())
                    .as("the new pair has no gateway of its own")
                    .isZero();
            // Every gateway sends reports back to back from its own thread, round after round, until the idle pair has
            // read some of the busy pair's gateways.
            int[] sent = new int[1];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (daemon.counters().sessionsShared() == 0 || sent[0] < 20) {
                assertThat(System.nanoTime()).as("no work shared within 120 s").isLessThan(deadline);
                List<Thread> senders = new ArrayList<>();
                for (TestGateway gw : gateways) {
                    senders.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < 10; i++) {
                                gw.answerPoll(0);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
                }
                for (Thread sender : senders) {
                    sender.join();
                }
                sent[0] += 10;
            }
            int perGateway = sent[0];
            Await.until(120_000, () -> statsFrom.size() == 16 * perGateway);
            for (long id = 1; id <= 16; id++) {
                // Every report once, none lost: read in the order sent, whichever thread read it.
                assertThat(sequencesOf.get(id))
                        .as("gateway " + id)
                        .hasSize(perGateway)
                        .doesNotHaveDuplicates()
                        .allMatch(sequence -> sequence >= 1 && sequence <= perGateway);
            }
            assertThat(daemon.counters().reportsRepeated())
                    .as("a report read after a later one")
                    .isZero();
            assertThat(daemon.counters().reportsLost()).isZero();
            assertThat(daemon.pair(1).sessionCount())
                    .as("shared work moves no session")
                    .isZero();
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void gatewaysArePlacedAndMovedByWhatTheyCostNotByHowManyTheyAre() throws Exception {
        // A clock that stands still: the conductor never measures or rebalances; the test does, by hand.
        ManualEpochClock clock = new ManualEpochClock(System.currentTimeMillis());
        restart(context.withClock(clock).withApproved(Set.of(1L, 2L, 3L, 4L, 5L)));
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (long id = 1; id <= 4; id++) {
                TestGateway gw = new TestGateway(daemon.address(), id);
                assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                gateways.add(gw);
            }
            // Nothing measured: by count, two on each pair (1 and 3 on one, 2 and 4 on the other).
            int heavyPair = daemon.session(1).pair.index();
            assertThat(daemon.session(3).pair.index()).isEqualTo(heavyPair);
            assertThat(daemon.session(2).pair.index()).isEqualTo(1 - heavyPair);
            // One second in which gateway 1 took 600 ms of a thread and the others 100 ms each (the little the real
            // reads and writes add is far below that).
            daemon.loads().measureLoads(clock.epochMillis());
            daemon.session(1).busyNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
            for (long id = 2; id <= 4; id++) {
                daemon.session(id).busyNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            }
            clock.advance(1_000);
            daemon.loads().measureLoads(clock.epochMillis());
            // 0.7 against 0.2: the light gateway that fits half the difference moves; the heavy one stays (moving it
            // would only move the imbalance).
            assertThat(daemon.loads().rebalance()).isEqualTo(1);
            Await.until(20_000, () -> daemon.counters().sessionsMigrated() == 1);
            assertThat(daemon.session(3).pair.index()).isEqualTo(1 - heavyPair);
            assertThat(daemon.session(1).pair.index()).isEqualTo(heavyPair);
            // Three gateways on one pair, one on the other, and yet the next goes to the three: they weigh less.
            daemon.loads().measureLoads(clock.epochMillis());
            try (TestGateway next = new TestGateway(daemon.address(), 5)) {
                assertThat(next.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                assertThat(daemon.session(5).pair.index()).isEqualTo(1 - heavyPair);
            }
            // The moved gateway is served by its new pair: its reports come under that pair's caller index.
            gateways.get(2).answerPoll(0);
            Await.until(20_000, () -> callersOf.containsKey(3L));
            assertThat(callersOf.get(3L)).containsExactly(ServerMailboxes.CALLER_MONITOR_PAIRS + 1 - heavyPair);
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void balancedByCountNoWorkIsShared() throws Exception {
        restart(context.withBalancing(false).withPairs(1, 10));
        daemon.pairs().addPair();
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (long id = 1; id <= 4; id++) {
                TestGateway gw = new TestGateway(daemon.address(), id);
                assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                gateways.add(gw);
            }
            for (int i = 0; i < 20; i++) {
                for (TestGateway gw : gateways) {
                    gw.answerPoll(0);
                }
            }
            Await.until(20_000, () -> statsFrom.size() == 80);
            assertThat(daemon.counters().sessionsShared()).isZero();
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    @Test
    void repeatedReportsAfterAReconnectAreDroppedAndGapsCounted() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            answerPolls(gw, 3);
            Await.until(20_000, () -> statsFrom.size() == 3);
        }
        try (TestGateway again = new TestGateway(daemon.address(), 1)) {
            assertThat(again.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            again.reports = 2;
            again.answerPoll(0);
            again.reports = 10;
            again.answerPoll(0);
            Await.until(20_000, () -> statsFrom.size() == 4);
            assertThat(daemon.counters().reportsRepeated()).isEqualTo(1);
            assertThat(daemon.counters().reportsLost()).isEqualTo(7);
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void servicesThatStopTakingReportsPausePollingAndNoReportIsDropped() throws Throwable {
        CountDownLatch behind = new CountDownLatch(1);
        servicesTakeCalls = behind;
        // The services take nothing (the handler waits on its first call) while the gateway's reports fill half their
        // mailbox: the monitor stops polling rather than ask for reports it would have to drop.
        reportUntilTheServicesAreBehindThenCatchUp(behind::countDown);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void servicesNotRunningYetPausePollingOnceHalfTheirMailboxWaitsAndGetEveryReportWhenTheyCome() throws Throwable {
        // A server starting or taking over: its monitor is up before its services. Reports wait in the mailbox;
        // once half of it waits the monitor stops asking, where it used to go on polling and drop what did not fit.
        services.close();
        reportUntilTheServicesAreBehindThenCatchUp(() -> services = startServices());
    }

    /**
     * A gateway reports until half the services' mailbox waits and the monitor skips a sweep for it; then
     * {@code catchUp} lets the services take their calls, and every report reaches them once, none dropped, and the
     * polls resume.
     */
    private void reportUntilTheServicesAreBehindThenCatchUp(Executable catchUp) throws Throwable {
        int half = MonitorDaemon.SERVICES_MAILBOX.slotCount() / 2;
        MonitorCounters counters = daemon.counters();
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            // In session once polled, as a gateway sends reports only then.
            answerPolls(gw, 1);
            // A call carries a batch of reports (as many as the monitor read in one turn, up to a slot's worth),
            // so it takes between half and 64 x half reports to fill half the slots: the gateway reports until
            // then, and the monitor's next sweep sees it. The test reads no poll meanwhile, so each report answers
            // every poll (the highest sequence): the monitor must not take the gateway for silent however slow
            // the machine.
            int sent = 1;
            while (!daemon.services().behind()) {
                assertThat(sent)
                        .as("reports sent without half the services' mailbox waiting")
                        .isLessThan(half * ReportForwarder.REPORTS_PER_BATCH);
                gw.answerPoll(Long.MAX_VALUE);
                sent++;
            }
            // Reports through a loaded machine's mailbox: bounds for progress, not for speed.
            Await.until(120_000, () -> counters.sweepsSkippedServicesBehind() > 0);
            assertThat(counters.reportBatchesPosted()).isPositive().isLessThanOrEqualTo(sent);

            catchUp.execute();
            int reports = sent;
            Await.until(120_000, () -> statsFrom.size() >= reports);
            assertThat(statsFrom).hasSize(reports);
            gw.expect(FrameType.POLL);
            assertThat(counters.reportsDropped()).isZero();
        }
    }

    /** Answers {@code polls} polls of {@code gw}, one report each. */
    private static void answerPolls(TestGateway gw, int polls) throws IOException {
        for (int i = 0; i < polls; i++) {
            gw.expect(FrameType.POLL);
            gw.answer();
        }
    }

    /** One figure of the monitor's status (MONITOR_STATUS), at {@code offset} of {@code MonitorStatusDescriptor}. */
    private long statusFigure(int offset) throws Exception {
        Reply status =
                monitorClient.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(10, TimeUnit.SECONDS);
        return MemorySegment.ofArray(status.result()).get(BIG_LONG, offset);
    }

    /**
     * Connects gateways {@code ids}, each accepted into session, adding each to {@code gateways} (which the caller
     * closes).
     */
    private void inSession(List<TestGateway> gateways, long... ids) throws IOException {
        for (long id : ids) {
            TestGateway gw = new TestGateway(daemon.address(), id);
            gateways.add(gw);
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
        }
    }

    static byte[] throttleFrame(long gatewayId, long iops, long version) {
        ByteBuffer buffer =
                ByteBuffer.allocate(ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VOLUME_RECORD_LENGTH);
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(buffer, 1, gatewayId, 0, 1);
        writer.volume(0).volumeId(1).version(version).iopsLimit(iops).weight(100);
        writer.commit();
        return buffer.array();
    }
}
