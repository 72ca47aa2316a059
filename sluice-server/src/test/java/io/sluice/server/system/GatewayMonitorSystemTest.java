package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayContext;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.monitor.MonitorTls;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.testkit.Await;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gateway (file-backed export) linked to a real in-process monitor daemon through real /dev/shm mailboxes: it
 * authenticates and registers, its reports reach the services mailbox, a throttle set posted into the monitor mailbox
 * is applied by the gateway and acknowledged (a total limit with per-direction limits too; a latency target refused),
 * and when the monitor stops the gateway keeps that limit and keeps trying to reconnect.
 */
@Tag("system")
class GatewayMonitorSystemTest {
    private static final byte[] SECRET = "gateway-monitor-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 7;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void gatewayReportsToTheMonitorAndAppliesItsThrottleSet() throws Exception {
        reportsAndThrottles(false);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theSameOverMutuallyAuthenticatedTls() throws Exception {
        reportsAndThrottles(true);
    }

    private void reportsAndThrottles(boolean tls) throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        MonitorTls monitorTls = new MonitorTls(
                TlsContexts.create(
                        ca.issueKeyMaterial(
                                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1)),
                        List.of(ca.certificate()),
                        ca.revocations()),
                ca.revocations());
        SSLContext gatewayTls = TlsContexts.create(
                ca.issueKeyMaterial(
                        GatewayCertificateName.of(GATEWAY_ID),
                        List.of(),
                        CertificateAuthority.Usage.CLIENT,
                        Duration.ofDays(1)),
                List.of(ca.certificate()));
        String name = "sluice-gwmon-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path monitorBox = Path.of("/dev/shm", name + "-monitor");
        Path servicesBox = Path.of("/dev/shm", name + "-services");
        Path image = dir.resolve("vol.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
        AtomicLong reports = new AtomicLong();
        AtomicLong reportedVolumes = new AtomicLong();
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(Set.of(GATEWAY_ID))
                .withPolling(200, 3)
                .withPairs(1, 4)
                .withTls(tls ? monitorTls : null);
        MonitorDaemon monitor = new MonitorDaemon(context);
        boolean monitorRunning = true;
        try (MailboxService services = new MailboxService(
                                MailboxCallee.attach(Mailbox.open(servicesBox)),
                                request -> {
                                    // The monitor posts its reports in batches (SERVICES_STATS_BATCH), each entry a
                                    // STATS frame.
                                    if (request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH) {
                                        ByteBuffer batch = request.params()
                                                .asSlice(0, request.length())
                                                .asByteBuffer();
                                        ReportBatchReader reader = new ReportBatchReader();
                                        int entries =
                                                reader.wrap(batch, request.length()) == null ? reader.entryCount() : 0;
                                        for (int i = 0; i < entries; i++) {
                                            StatsReader stats = new StatsReader().wrap(batch, reader.entryOffset(i));
                                            if (reader.check(i) == null && stats.gatewayId() == GATEWAY_ID) {
                                                reportedVolumes.set(stats.volumeCount());
                                                reports.incrementAndGet();
                                            }
                                        }
                                    }
                                    request.reply(MailboxStatus.OK, 0);
                                },
                                0,
                                "test-services")
                        .start();
                MailboxClient monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "vol=" + image));
                MonitorLink link = MonitorLink.start(
                        MonitorLinkConfig.of(monitor.address(), GATEWAY_ID, GatewayKeys.derive(SECRET, GATEWAY_ID))
                                .withTimings(1_000, 50, 1_000)
                                .withTls(tls ? gatewayTls : null),
                        gateway)) {
            Await.until(20_000, () -> link.state() == LinkState.IN_SESSION);
            assertThat(link.status().sessions()).isEqualTo(1);
            Await.until(20_000, () -> reports.get() >= 3);
            assertThat(reportedVolumes.get()).isEqualTo(1);
            // The gateway counts a report once its write returns, which can be after the services took it.
            Await.until(20_000, () -> link.status().reportsSent() >= 3);

            ThrottleAckReader ack = throttle(monitorClient, p -> p.version(5).iopsLimit(1_500));
            assertThat(ack.status(0)).isEqualTo(ThrottleAckStatus.APPLIED);
            assertThat(ack.versionInForce(0)).isEqualTo(5);
            QosSetting setting = gateway.qos().current("vol");
            assertThat(setting.version()).isEqualTo(5);
            assertThat(setting.parameters().iops().rate()).isEqualTo(1_500);
            assertThat(link.status().volumesApplied()).isEqualTo(1);

            // What the services send for an SLA with per-direction ceilings: the total they allocate with the SLA's
            // read and write limits within it (a real gateway once refused this as INVALID; the simulator took it).
            ThrottleAckReader split = throttle(
                    monitorClient,
                    p -> p.version(6)
                            .iopsLimit(1_500)
                            .readIopsLimit(400)
                            .writeIopsLimit(1_200)
                            .bandwidthLimit(64L << 20)
                            .readBandwidthLimit(16L << 20)
                            .reservedIops(100));
            assertThat(split.status(0)).isEqualTo(ThrottleAckStatus.APPLIED);
            setting = gateway.qos().current("vol");
            assertThat(setting.version()).isEqualTo(6);
            assertThat(setting.parameters().iops().rate()).isEqualTo(1_500);
            assertThat(setting.parameters().readIops().rate()).isEqualTo(400);
            assertThat(setting.parameters().writeIops().rate()).isEqualTo(1_200);
            assertThat(setting.parameters().readBandwidth().rate()).isEqualTo(16L << 20);
            // A latency target is not among this gateway's capabilities: refused whole, the set in force kept.
            ThrottleAckReader latency =
                    throttle(monitorClient, p -> p.version(7).iopsLimit(900).latencyTargetMicros(2_000));
            assertThat(latency.status(0)).isEqualTo(ThrottleAckStatus.UNSUPPORTED);
            assertThat(latency.versionInForce(0)).isEqualTo(6);
            assertThat(gateway.qos().current("vol")).isEqualTo(setting);

            // The monitor goes away: the gateway keeps the monitor's limits (fail-static) and tries to reconnect.
            monitor.close();
            monitorRunning = false;
            Await.until(
                    20_000,
                    () -> link.state() != LinkState.IN_SESSION && link.status().connectFailures() >= 2);
            assertThat(gateway.qos().current("vol")).isEqualTo(setting);
        } finally {
            if (monitorRunning) {
                monitor.close();
            }
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        }
    }

    /** Posts a one-volume THROTTLE_SET for the gateway's volume into the monitor's mailbox; returns its ack. */
    private static ThrottleAckReader throttle(MailboxClient monitor, Consumer<ThrottleParamsFlyweight> params)
            throws Exception {
        ByteBuffer buffer =
                ByteBuffer.allocate(ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VOLUME_RECORD_LENGTH);
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(buffer, 1, GATEWAY_ID, 0, 1);
        params.accept(writer.volume(0).volumeId(MonitorLink.volumeId(0, 0)).weight(1));
        writer.commit();
        Reply reply = monitor.call(MailboxOpcodes.MONITOR_THROTTLE_SET, 0, monitor.nextCorrelationId(), buffer.array())
                .get(20, TimeUnit.SECONDS);
        assertThat(reply.status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
        ThrottleAckReader ack = new ThrottleAckReader().wrap(ByteBuffer.wrap(reply.result()), 0);
        assertThat(ack.volumeCount()).isEqualTo(1);
        return ack;
    }
}
