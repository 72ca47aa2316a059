package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.LinkStatus;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.pki.CertificateAuthority;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The monitor link against a small fake monitor over loopback, with real NBD I/O through the gateway. */
class MonitorLinkTest {
    private static final byte[] SECRET = "monitor-link-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 42;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void reportsAppliesThrottleSetsKeepsLimitsWhileTheMonitorIsAwayAndReconnects() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Tools.emptyFile(dir, "b.img", 1 << 20);
        byte[] key = GatewayKeys.derive(SECRET, GATEWAY_ID);
        FakeMonitor monitor = FakeMonitor.forKey(key, 0);
        FakeMonitor[] restarted = new FakeMonitor[1];
        int port = monitor.port();
        try (Gateway gateway = Gateway.start(
                        GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img"), "b=" + dir.resolve("b.img")));
                MonitorLink link = MonitorLink.start(
                        MonitorLinkConfig.of(
                                        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), GATEWAY_ID, key)
                                .withTimings(300, 50, 500),
                        gateway);
                RawNbdClient client = new RawNbdClient(gateway.address().getPort()).go("a", false)) {
            // Handshake: HELLO lists both exports as volumes 1 and 2; the session opens.
            Await.until(10_000, () -> link.state() == LinkState.IN_SESSION && monitor.inSession());
            assertThat(monitor.gatewayId()).isEqualTo(GATEWAY_ID);
            assertThat(monitor.volumeLists.getFirst())
                    .extracting(FakeMonitor.Volume::id, FakeMonitor.Volume::name)
                    .containsExactly(Tuple.tuple(1, "a"), Tuple.tuple(2, "b"));
            assertThat(monitor.volumeLists.getFirst().getFirst().capacity()).isEqualTo(1 << 20);

            // Poll -> stats with the I/O done since the last report.
            byte[] block = new byte[4096];
            Arrays.fill(block, (byte) 7);
            for (int i = 0; i < 5; i++) {
                client.write(i * 4096L, block);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(client.read(i * 4096L, 4096)).isEqualTo(block);
            }
            long poll = monitor.pollAll();
            Await.until(10_000, () -> monitor.reports.size() == 1);
            FakeMonitor.Report first = monitor.reports.getFirst();
            assertThat(first.reportSequence()).isEqualTo(1);
            assertThat(first.pollSequence()).isEqualTo(poll);
            FakeMonitor.VolumeReport a = first.volumes().getFirst();
            assertThat(a.volumeId()).isEqualTo(1);
            assertThat(a.writeOps()).isEqualTo(5);
            assertThat(a.readOps()).isEqualTo(3);
            assertThat(a.writeBytes()).isEqualTo(5 * 4096);
            assertThat(a.readBytes()).isEqualTo(3 * 4096);
            assertThat(a.latencyCount()).isEqualTo(8);
            assertThat(a.capacity()).as("the backend's capacity").isPositive();
            assertThat(first.volumes().get(1).writeOps()
                            + first.volumes().get(1).readOps())
                    .isZero();
            monitor.pollAll();
            Await.until(10_000, () -> monitor.reports.size() == 2);
            assertThat(monitor.reports.get(1).reportSequence()).isEqualTo(2);
            assertThat(monitor.reports.get(1).volumes().getFirst().writeOps())
                    .as("counted since the last report")
                    .isZero();

            // THROTTLE_SET -> applied under the monitor's version and acknowledged; a repeat is not re-applied.
            monitor.throttleVolume(7, 1, 10, 500);
            Await.until(10_000, () -> monitor.acks.size() == 1);
            assertThat(monitor.acks.getFirst()).isEqualTo(new FakeMonitor.Ack(7, 1, ThrottleAckStatus.APPLIED, 10));
            QosSetting applied = gateway.qos().current("a");
            assertThat(applied.version()).isEqualTo(10);
            assertThat(applied.parameters().iops().rate()).isEqualTo(500);
            assertThat(applied.parameters().weight()).isEqualTo(2);
            monitor.throttleVolume(8, 1, 10, 500);
            monitor.throttleVolume(9, 5, 3, 100);
            Await.until(10_000, () -> monitor.acks.size() == 3);
            assertThat(monitor.acks.get(1).status()).isEqualTo(ThrottleAckStatus.ALREADY_APPLIED);
            assertThat(monitor.acks.get(2).status()).isEqualTo(ThrottleAckStatus.UNKNOWN_VOLUME);
            monitor.pollAll();
            Await.until(10_000, () -> monitor.reports.size() == 3);
            assertThat(monitor.reports.get(2).volumes().getFirst().throttleVersion())
                    .isEqualTo(10);

            // Idle: heartbeats.
            Await.until(10_000, () -> monitor.heartbeats.get() > 0);

            // Monitor gone: the gateway keeps its limits and keeps serving I/O.
            monitor.close();
            Await.until(10_000, () -> link.state() == LinkState.BACKING_OFF || link.state() == LinkState.CONNECTING);
            client.write(0, block);
            assertThat(client.read(0, 4096)).isEqualTo(block);
            try (RawNbdClient other = new RawNbdClient(gateway.address().getPort()).go("b", false)) {
                other.write(0, block);
            }
            // Over several failed attempts too: MonitorLinkTurnTest.
            assertThat(gateway.qos().current("a")).isEqualTo(applied);
            assertThat(link.status().lastError()).isNotNull();

            // Monitor back on the same port: reconnect, re-sync, reports continue their sequence.
            FakeMonitor back = FakeMonitor.forKey(key, port);
            restarted[0] = back;
            Await.until(10_000, () -> link.state() == LinkState.IN_SESSION && back.inSession());
            back.throttleVolume(20, 1, 10, 500);
            back.throttleVolume(21, 1, 11, 800);
            Await.until(10_000, () -> back.acks.size() == 2);
            assertThat(back.acks.get(0).status()).isEqualTo(ThrottleAckStatus.ALREADY_APPLIED);
            assertThat(back.acks.get(1)).isEqualTo(new FakeMonitor.Ack(21, 1, ThrottleAckStatus.APPLIED, 11));
            assertThat(gateway.qos().current("a").parameters().iops().rate()).isEqualTo(800);
            back.pollAll();
            Await.until(10_000, () -> back.reports.size() == 1);
            FakeMonitor.Report resumed = back.reports.getFirst();
            assertThat(resumed.reportSequence()).isEqualTo(4);
            assertThat(resumed.volumes().get(0).writeOps()).isEqualTo(1);
            assertThat(resumed.volumes().get(1).writeOps()).isEqualTo(1);

            // The link counts a report or an ack once its frame is written, so the monitor may hold the frame a
            // moment before the count moves: wait for the counts, then check they are exact.
            Await.until(
                    10_000,
                    () -> link.status().reportsSent() >= 4 && link.status().throttleSetsAcked() >= 5);
            LinkStatus status = link.status();
            assertThat(status.sessions()).isEqualTo(2);
            assertThat(status.reportsSent()).isEqualTo(4);
            assertThat(status.throttleSetsAcked()).isEqualTo(5);
            assertThat(status.volumesApplied()).isEqualTo(2);
            assertThat(status.lastError()).isNull();
        } finally {
            monitor.close();
            if (restarted[0] != null) {
                restarted[0].close();
            }
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void theIdsTheMonitorAssignsAreTheOnesUsedAndProposedAgain() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Tools.emptyFile(dir, "b.img", 1 << 20);
        Path config = Files.writeString(
                dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:0
                exports:
                  - name: a
                    target: %s
                  - name: lun7
                    target: %s
                    shared: true
                """.formatted(dir.resolve("a.img"), dir.resolve("b.img")));
        byte[] key = GatewayKeys.derive(SECRET, GATEWAY_ID);
        try (FakeMonitor monitor = FakeMonitor.forKey(key, 0)) {
            monitor.assignIds(proposed -> proposed + 500);
            try (Gateway gateway = Gateway.start(GatewayContext.parse("--config=" + config));
                    MonitorLink link = MonitorLink.start(
                            MonitorLinkConfig.of(
                                            new InetSocketAddress(InetAddress.getLoopbackAddress(), monitor.port()),
                                            GATEWAY_ID,
                                            key)
                                    .withTimings(300, 50, 500),
                            gateway)) {
                Await.until(10_000, monitor::inSession);
                assertThat(monitor.volumeLists.getFirst())
                        .extracting(FakeMonitor.Volume::id, FakeMonitor.Volume::flags)
                        .containsExactly(Tuple.tuple(1, 0), Tuple.tuple(2, VolumeDescriptor.FLAG_SHARED));
                monitor.pollAll();
                Await.until(10_000, () -> monitor.reports.size() == 1);
                assertThat(monitor.reports.getFirst().volumes())
                        .extracting(FakeMonitor.VolumeReport::volumeId)
                        .containsExactly(501, 502);
                // A set names volumes by the assigned id; the proposal no longer names anything.
                monitor.throttleVolume(7, 502, 10, 500);
                monitor.throttleVolume(8, 2, 11, 500);
                Await.until(10_000, () -> monitor.acks.size() == 2);
                assertThat(monitor.acks.get(0).status()).isEqualTo(ThrottleAckStatus.APPLIED);
                assertThat(gateway.qos().current("lun7").version()).isEqualTo(10);
                assertThat(monitor.acks.get(1).status()).isEqualTo(ThrottleAckStatus.UNKNOWN_VOLUME);
                // Reconnecting, the gateway proposes the ids it was given, so a server that lost its records gives them
                // again.
                monitor.assignIds(proposed -> proposed);
                monitor.dropAll();
                Await.until(10_000, () -> monitor.volumeLists.size() == 2 && monitor.inSession());
                assertThat(monitor.volumeLists.get(1))
                        .extracting(FakeMonitor.Volume::id)
                        .containsExactly(501, 502);
            }
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aVolumeTheMonitorRefusesIsServedButNeitherReportedNorThrottled() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Tools.emptyFile(dir, "b.img", 1 << 20);
        Path config = Files.writeString(
                dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:0
                exports:
                  - name: lun7
                    target: %s
                    shared: true
                  - name: a
                    target: %s
                """.formatted(dir.resolve("b.img"), dir.resolve("a.img")));
        byte[] key = GatewayKeys.derive(SECRET, GATEWAY_ID);
        try (FakeMonitor monitor = FakeMonitor.forKey(key, 0)) {
            // The shared volume is not bound to this gateway at the server: VOLUME_IDS refuses it.
            monitor.assignIds(proposed -> proposed == 1 ? VolumeIdsDescriptor.REFUSED : proposed + 500);
            try (Gateway gateway = Gateway.start(GatewayContext.parse("--config=" + config));
                    MonitorLink link = MonitorLink.start(
                            MonitorLinkConfig.of(
                                            new InetSocketAddress(InetAddress.getLoopbackAddress(), monitor.port()),
                                            GATEWAY_ID,
                                            key)
                                    .withTimings(300, 50, 500),
                            gateway)) {
                Await.until(10_000, monitor::inSession);
                monitor.pollAll();
                Await.until(10_000, () -> monitor.reports.size() == 1);
                assertThat(monitor.reports.getFirst().volumes())
                        .extracting(FakeMonitor.VolumeReport::volumeId)
                        .as("only the volume the monitor took")
                        .containsExactly(502);
                monitor.throttleVolume(7, VolumeIdsDescriptor.REFUSED, 10, 500);
                Await.until(10_000, () -> monitor.acks.size() == 1);
                assertThat(monitor.acks.getFirst().status()).isEqualTo(ThrottleAckStatus.UNKNOWN_VOLUME);
                assertThat(link.state()).isEqualTo(LinkState.IN_SESSION);
            }
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aWrongKeyIsRefusedAndRetriedLater() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor monitor = FakeMonitor.forKey(GatewayKeys.derive(SECRET, GATEWAY_ID), 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                MonitorLink link = MonitorLink.start(
                        MonitorLinkConfig.of(
                                        new InetSocketAddress(InetAddress.getLoopbackAddress(), monitor.port()),
                                        GATEWAY_ID,
                                        GatewayKeys.derive(
                                                "another-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                                                GATEWAY_ID))
                                .withTimings(300, 50, 500),
                        gateway)) {
            Await.until(10_000, () -> monitor.hellos.get() >= 2);
            assertThat(monitor.sessions.get()).isZero();
            assertThat(monitor.volumeLists)
                    .as("no volumes before authentication")
                    .isEmpty();
            assertThat(link.state()).isNotEqualTo(LinkState.IN_SESSION);
            assertThat(link.status().lastError()).contains("REFUSED");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMonitorThatHasNotAuthenticatedItCannotMakeTheLinkBufferAMegabyte() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (ServerSocket impostor = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = impostor.accept()) {
                    s.getInputStream().read(new byte[1024]);
                    ByteBuffer challenge = ByteBuffer.allocate(1_024 + 24);
                    challenge
                            .putInt(FrameDescriptor.LENGTH_OFFSET, 1 << 20)
                            .put(FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION)
                            .put(FrameDescriptor.TYPE_OFFSET, (byte) FrameType.CHALLENGE.code())
                            .putLong(FrameDescriptor.SEQUENCE_OFFSET, 1)
                            .putLong(FrameDescriptor.GATEWAY_ID_OFFSET, GATEWAY_ID);
                    s.getOutputStream().write(challenge.array());
                    s.getInputStream().read(new byte[1024]);
                } catch (IOException ignored) {
                    // the link hung up, as it should
                }
            });
            try (Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                    MonitorLink link = MonitorLink.start(
                            MonitorLinkConfig.of(
                                            new InetSocketAddress(
                                                    InetAddress.getLoopbackAddress(), impostor.getLocalPort()),
                                            GATEWAY_ID,
                                            GatewayKeys.derive(SECRET, GATEWAY_ID))
                                    .withTimings(300, 50, 500),
                            gateway)) {
                Await.until(10_000, () -> link.status().lastError() != null);
                assertThat(link.status().lastError()).contains("OVERSIZE (1048576)");
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theGatewayProcessLinksToTheMonitorItIsGivenOnTheCommandLine() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        Path statsFile = dir.resolve("stats.json");
        try (FakeMonitor monitor = FakeMonitor.forKey(GatewayKeys.derive(SECRET, GATEWAY_ID), 0)) {
            try (GatewayProcess process = GatewayProcess.start(
                    dir,
                    "a=" + dir.resolve("a.img"),
                    "--monitor=127.0.0.1:" + monitor.port(),
                    "--gateway-id=" + GATEWAY_ID,
                    "--secret-file=" + secret,
                    "--monitor-insecure-plaintext",
                    "--stats-file=" + statsFile)) {
                Await.until(10_000, monitor::inSession);
                monitor.pollAll();
                Await.until(10_000, () -> monitor.reports.size() == 1);
                Await.until(10_000, () -> read(statsFile).contains("\"IN_SESSION\""));
                assertThat(process.errors()).isEmpty();
            }
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aFullBackendIsReportedOnceAsACapacityWarning() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        FileStore store = Files.getFileStore(dir);
        long used = store.getTotalSpace() - store.getUnallocatedSpace();
        Assumptions.assumeTrue(
                used * 100 >= store.getTotalSpace() * 2L, "the temporary file system is at least 2% used");
        byte[] key = GatewayKeys.derive(SECRET, GATEWAY_ID);
        try (FakeMonitor monitor = FakeMonitor.forKey(key, 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                MonitorLink link = MonitorLink.start(
                        new MonitorLinkConfig(
                                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), monitor.port())),
                                GATEWAY_ID,
                                key,
                                null,
                                "capacity-test",
                                1_000,
                                50,
                                500,
                                2_000,
                                1,
                                0,
                                null),
                        gateway)) {
            Await.until(10_000, () -> monitor.events.get() == 1);
            monitor.pollAll();
            monitor.pollAll();
            Await.until(10_000, () -> monitor.reports.size() == 2);
            assertThat(monitor.events.get())
                    .as("once per crossing, not once per poll")
                    .isEqualTo(1);
            assertThat(link.status().eventsSent()).isEqualTo(1);
        }
    }

    @Test
    void monitorTlsFilesGiveTheLinkATlsContextWithAnIssuedCertificateOrAStateDirectoryToEnrollIn() throws Exception {
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        var ca = CertificateAuthority.create(dir.resolve("pki"), "test CA", EpochClock.system());
        ca.issueKeyMaterial("gateway-42", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1))
                .write(dir.resolve("gw.crt"), dir.resolve("gw.key"));
        String caFile = dir.resolve("pki").resolve("ca.crt").toString();
        GatewayContext context = GatewayContext.parse(
                "127.0.0.1:0",
                "a=/x",
                "--monitor=127.0.0.1:7070",
                "--gateway-id=42",
                "--secret-file=" + secret,
                "--monitor-tls-ca=" + caFile,
                "--monitor-tls-cert=" + dir.resolve("gw.crt"),
                "--monitor-tls-key=" + dir.resolve("gw.key"));
        assertThat(context.monitor().tls()).isNotNull();
        assertThat(GatewayContext.parse(
                                "127.0.0.1:0",
                                "a=/x",
                                "--monitor=127.0.0.1:7070",
                                "--gateway-id=42",
                                "--secret-file=" + secret,
                                "--monitor-insecure-plaintext")
                        .monitor()
                        .tls())
                .isNull();
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=42",
                        "--secret-file=" + secret))
                .as("plaintext only when asked for")
                .hasMessageContaining("refusing a plaintext link")
                .hasMessageContaining("insecure-plaintext");
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=42",
                        "--secret-file=" + secret,
                        "--monitor-insecure-plaintext",
                        "--monitor-tls-ca=" + caFile,
                        "--monitor-state-dir=" + dir.resolve("state")))
                .hasMessageContaining("choose one");
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=42",
                        "--secret-file=" + secret,
                        "--monitor-tls-ca=" + caFile))
                .hasMessageContaining("tls-cert and tls-key")
                .hasMessageContaining("state-dir");
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=42",
                        "--secret-file=" + secret,
                        "--monitor-tls-cert=" + dir.resolve("gw.crt"),
                        "--monitor-tls-key=" + dir.resolve("gw.key")))
                .hasMessageContaining("tls-ca");
        GatewayContext enrolling = GatewayContext.parse(
                "127.0.0.1:0",
                "a=/x",
                "--monitor=127.0.0.1:7070",
                "--gateway-id=42",
                "--secret-file=" + secret,
                "--monitor-tls-ca=" + caFile,
                "--monitor-state-dir=" + dir.resolve("state"));
        assertThat(enrolling.monitor().tls().isEnrolled()).isTrue();
        assertThat(enrolling.monitor().tls().hasCertificate()).isFalse();
        Path yaml = Files.writeString(
                dir.resolve("tls.yaml"), """
                monitor:
                  address: 127.0.0.1:7070
                  gateway-id: 42
                  secret-file: %s
                  tls-ca: %s
                  tls-cert: %s
                  tls-key: %s
                """.formatted(secret, caFile, dir.resolve("gw.crt"), dir.resolve("gw.key")));
        assertThat(GatewayContext.parse("--config=" + yaml, "127.0.0.1:0", "a=/x")
                        .monitor()
                        .tls())
                .isNotNull();
    }

    @Test
    void monitorOptionsDeriveTheKeyFromTheSecretFile() throws Exception {
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        Path token = PrivateFiles.writeSecret(dir.resolve("token"), "tok\n".getBytes(StandardCharsets.UTF_8));
        Tools.emptyFile(dir, "a.img", 1 << 20);
        GatewayContext context = GatewayContext.parse(
                "127.0.0.1:0",
                "a=" + dir.resolve("a.img"),
                "--monitor=127.0.0.1:7070",
                "--gateway-id=42",
                "--secret-file=" + secret,
                "--enrollment-token-file=" + token,
                "--monitor-insecure-plaintext");
        MonitorLinkConfig monitor = context.monitor();
        assertThat(monitor.addresses()).containsExactly(InetSocketAddress.createUnresolved("127.0.0.1", 7070));
        assertThat(monitor.gatewayId()).isEqualTo(42);
        assertThat(monitor.key()).isEqualTo(GatewayKeys.derive(SECRET, 42));
        assertThat(new String(monitor.enrollmentToken(), StandardCharsets.UTF_8))
                .isEqualTo("tok");
        assertThat(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img"))
                        .monitor())
                .isNull();
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=3",
                        "--secret-file=" + secret,
                        "--enrollment-token=tok"))
                .as("a token is never taken from the command line")
                .hasMessageContaining("unknown option");
        Path config = PrivateFiles.writeSecret(
                dir.resolve("gateway.yaml"),
                ("monitor:\n  address: 127.0.0.1:7070\n  gateway-id: 3\n" + "  secret-file: " + secret
                                + "\n  enrollment-token: in-the-file\n  insecure-plaintext: true\n")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(new String(
                        GatewayContext.parse("--config", config.toString(), "127.0.0.1:0", "a=" + dir.resolve("a.img"))
                                .monitor()
                                .enrollmentToken(),
                        StandardCharsets.UTF_8))
                .isEqualTo("in-the-file");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> GatewayContext.parse("--config", config.toString(), "127.0.0.1:0", "a=/x"))
                .as("a configuration holding a token is a secret")
                .hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=3",
                        "--secret-file=" + secret,
                        "--enrollment-token-file=" + token))
                .hasMessageContaining("chmod 600");
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0", "a=/x", "--monitor=127.0.0.1:7070", "--secret-file=" + secret))
                .hasMessageContaining("gateway id");
        assertThatThrownBy(
                        () -> GatewayContext.parse("127.0.0.1:0", "a=/x", "--monitor=127.0.0.1:7070", "--gateway-id=3"))
                .hasMessageContaining("key-file");
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0",
                        "a=/x",
                        "--monitor=127.0.0.1:7070",
                        "--gateway-id=3",
                        "--key-file=" + dir.resolve("missing.key")))
                .hasMessageContaining("missing.key");
        Path shortKey = PrivateFiles.writeSecret(dir.resolve("short.key"), new byte[8]);
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0", "a=/x", "--monitor=127.0.0.1:7070", "--gateway-id=3", "--key-file=" + shortKey))
                .hasMessageContaining("at least 16 bytes");
        // A key others may read is no longer a secret: refused, as ssh refuses such a private key.
        Path openKey = PrivateFiles.writeSecret(dir.resolve("open.key"), GatewayKeys.derive(SECRET, 3));
        Files.setPosixFilePermissions(openKey, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> GatewayContext.parse(
                        "127.0.0.1:0", "a=/x", "--monitor=127.0.0.1:7070", "--gateway-id=3", "--key-file=" + openKey))
                .hasMessageContaining("mode 0644")
                .hasMessageContaining("chmod 600");

        Path key = PrivateFiles.writeSecret(dir.resolve("key"), GatewayKeys.derive(SECRET, 9));
        Path yaml = Files.writeString(dir.resolve("gw.yaml"), """
                listen: 127.0.0.1:0
                exports:
                  - name: a
                    target: %s
                monitor:
                  address: 127.0.0.1:7071
                  gateway-id: 9
                  key-file: %s
                  heartbeat-ms: 2000
                  backoff-max-ms: 5000
                  volume-id-base: 2000
                  insecure-plaintext: true
                """.formatted(dir.resolve("a.img"), key));
        MonitorLinkConfig fromFile =
                GatewayContext.parse("--config", yaml.toString()).monitor();
        assertThat(fromFile.gatewayId()).isEqualTo(9);
        assertThat(fromFile.key()).isEqualTo(GatewayKeys.derive(SECRET, 9));
        assertThat(fromFile.heartbeatMillis()).isEqualTo(2000);
        assertThat(fromFile.backoffMaxMillis()).isEqualTo(5000);
        assertThat(MonitorLink.volumeId(fromFile.volumeIdBase(), 0)).isEqualTo(2001);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
