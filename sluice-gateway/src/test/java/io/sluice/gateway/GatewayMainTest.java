package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import io.sluice.gateway.export.AddressRange;
import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.qos.BucketLimit;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.pki.CertificateAuthority;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return GatewayMain.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
    }

    @Test
    void badCommandLinesAreUsageErrors() {
        assertThat(run()).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: sluice-gateway");
        assertThat(run("127.0.0.1:0")).isEqualTo(ExitCode.USAGE);
        assertThat(run("127.0.0.1:99999", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("--io-threads=0", "127.0.0.1:0", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("--frobnicate", "127.0.0.1:0", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("127.0.0.1:0", "no-target")).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void aMissingBackingFileIsABadFile(@TempDir Path dir) {
        assertThat(run("127.0.0.1:0", "a=" + dir.resolve("missing.img"))).isEqualTo(ExitCode.BAD_FILE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.img");
    }

    @Test
    void anUnreachableUpstreamIsAFailure(@TempDir Path dir) {
        assertThat(run("127.0.0.1:0", "a=nbd+unix:///x?socket=" + dir.resolve("nobody.sock")))
                .isEqualTo(ExitCode.FAILURE);
    }

    @Test
    void exportSpecsAndOptionsParse() {
        GatewayContext context = GatewayContext.parse(
                "--io-threads=2", "--queue-depth=16", "[::1]:10809", "disk=/dev/sdb", "lun=nbd://storage:10810/vol,ro");
        assertThat(context.listen().getPort()).isEqualTo(10809);
        assertThat(context.ioThreads()).isEqualTo(2);
        assertThat(context.queueDepth()).isEqualTo(16);
        assertThat(context.exports())
                .containsExactly(
                        new ExportConfig("disk", "/dev/sdb", false),
                        new ExportConfig("lun", "nbd://storage:10810/vol", true));
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:0", "a=/x", "a=/y"))
                .hasMessageContaining("unique");
    }

    @Test
    void theExampleConfigFileParsesWithEveryKey(@TempDir Path dir) throws Exception {
        // The example's key file does not exist here: a copy points at one that does.
        Path key = PrivateFiles.writeSecret(dir.resolve("gateway-17.key"), new byte[32]);
        CertificateAuthority.create(dir.resolve("pki"), "example CA", EpochClock.system());
        Path example = Files.writeString(
                dir.resolve("gateway.yaml"),
                Files.readString(Path.of("..", "conf", "gateway.example.yaml"))
                        .replace("/etc/sluice/gateway-17.key", key.toString())
                        .replace(
                                "/etc/sluice/ca.crt",
                                dir.resolve("pki").resolve("ca.crt").toString())
                        .replace(
                                "/var/lib/sluice-gateway",
                                dir.resolve("gateway-state").toString()));
        GatewayContext context = GatewayContext.parse("--config", example.toString(), "extra=/tmp/extra.img");
        assertThat(context.monitor().addresses())
                .containsExactly(
                        InetSocketAddress.createUnresolved("sla-server.example", 7400),
                        InetSocketAddress.createUnresolved("sla-server-b.example", 7400));
        assertThat(context.monitor().gatewayId()).isEqualTo(17);
        assertThat(context.monitor().key()).isEqualTo(new byte[32]);
        assertThat(context.monitor().gatewayName()).isEqualTo("rack4-gw1");
        assertThat(context.monitor().tls().isEnrolled())
                .as("the example enrolls for its certificate")
                .isTrue();
        assertThat(context.monitor().tls().directory()).isEqualTo(dir.resolve("gateway-state"));
        assertThat(context.monitor().heartbeatMillis()).isEqualTo(5000);
        assertThat(context.monitor().backoffMinMillis()).isEqualTo(100);
        assertThat(context.monitor().backoffMaxMillis()).isEqualTo(10000);
        assertThat(context.monitor().capacityWarningPercent()).isEqualTo(90);
        assertThat(context.listen().getPort()).isEqualTo(10809);
        assertThat(context.statsFile()).isEqualTo(Path.of("/var/lib/sluice/gateway-stats.json"));
        assertThat(context.backends()).containsExactly(new BackendLimits("ssd0", 20000, 32));
        assertThat(context.exports())
                .extracting(ExportConfig::name)
                .containsExactly("db", "scratch", "archive", "extra");
        QosParameters db = context.exports().get(0).qos();
        assertThat(db.iops()).isEqualTo(new BucketLimit(2000, 4000, 10));
        assertThat(db.bandwidth()).isEqualTo(BucketLimit.of(100 << 20));
        assertThat(db.ioSizeBytes()).isEqualTo(4096);
        assertThat(db.reservationIops()).isEqualTo(1000);
        assertThat(db.weight()).isEqualTo(3);
        assertThat(db.maxDelayNanos()).isEqualTo(1_000_000_000L);
        assertThat(context.exports().get(1).qos()).isEqualTo(QosParameters.iopsLimit(5000));
        assertThat(context.exports().get(2).readOnly()).isTrue();
        assertThat(context.exports().get(3).qos()).isEqualTo(QosParameters.UNLIMITED);
        assertThat(context.tlsCertificates()).isEqualTo(Path.of("/etc/sluice/nbd-tls"));
        ExportAccess dbAccess = context.access(context.exports().get(0));
        assertThat(dbAccess.tls()).isEqualTo(ExportAccess.Tls.REQUIRE);
        assertThat(dbAccess.clientNames()).containsExactlyInAnyOrder("db-host-1", "db-host-2");
        assertThat(dbAccess.sources())
                .containsExactly(AddressRange.parse("10.1.0.0/16"), AddressRange.parse("fd00:1::/64"));
        assertThat(context.access(context.exports().get(3)).tls())
                .as("the default with certificates")
                .isEqualTo(ExportAccess.Tls.REQUIRE);
    }

    @Test
    void tlsMistakesAreRefusedAtStart(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:0", "a=/x", "--tls=require"))
                .hasMessageContaining("no tls-certificates");
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:0", "a=/x", "--tls=sometimes"))
                .hasMessageContaining("require, allow or off");
        Path namesWithoutTls = Files.writeString(
                dir.resolve("names.yaml"),
                "listen: 127.0.0.1:0\ntls-certificates: /x\n"
                        + "exports:\n  - {name: a, target: /tmp/x, tls: allow, allowed-clients: [backup]}\n");
        assertThat(run("--config", namesWithoutTls.toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("need tls: require");
        Path badNetwork = Files.writeString(
                dir.resolve("net.yaml"),
                "listen: 127.0.0.1:0\n"
                        + "exports:\n  - {name: a, target: /tmp/x, allowed-addresses: [10.0.0.0/33]}\n");
        assertThat(run("--config", badNetwork.toString())).isEqualTo(ExitCode.USAGE);
        assertThat(GatewayContext.parse("127.0.0.1:0", "a=/x")
                        .access(new ExportConfig("a", "/x", false))
                        .tls())
                .as("without certificates nothing is required")
                .isEqualTo(ExportAccess.Tls.ALLOW);
        assertThat(run("127.0.0.1:0", "a=" + dir.resolve("a.img"), "--tls-certificates=" + dir.resolve("none")))
                .as("a missing certificates directory stops the start")
                .isNotZero();
    }

    @Test
    void addressRangesMatchTheirNetworksOnly() {
        AddressRange lan = AddressRange.parse("10.1.0.0/16");
        assertThat(lan.contains(InetAddress.ofLiteral("10.1.200.3"))).isTrue();
        assertThat(lan.contains(InetAddress.ofLiteral("10.2.0.1"))).isFalse();
        assertThat(lan.contains(InetAddress.ofLiteral("::ffff:10.1.0.9")))
                .as("IPv4-mapped")
                .isTrue();
        assertThat(AddressRange.parse("192.168.1.128/25").contains(InetAddress.ofLiteral("192.168.1.127")))
                .isFalse();
        assertThat(AddressRange.parse("fd00::/8").contains(InetAddress.ofLiteral("fd12::1")))
                .isTrue();
        assertThat(AddressRange.parse("127.0.0.1").contains(InetAddress.ofLiteral("127.0.0.2")))
                .isFalse();
    }

    @Test
    void configMistakesAreUsageErrors(@TempDir Path dir) throws Exception {
        Path typo = Files.writeString(
                dir.resolve("typo.yaml"),
                "listen: 127.0.0.1:0\nexports:\n" + "  - {name: a, target: /tmp/x, qos: {iosp: 10}}\n");
        assertThat(run("--config", typo.toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("iosp");
        Path unknownBackend = Files.writeString(
                dir.resolve("backend.yaml"),
                "listen: 127.0.0.1:0\nexports:\n" + "  - {name: a, target: /tmp/x, backend: nowhere}\n");
        assertThat(run("--config", unknownBackend.toString())).isEqualTo(ExitCode.USAGE);
        Path noWeight = Files.writeString(
                dir.resolve("weight.yaml"),
                "listen: 127.0.0.1:0\nexports:\n" + "  - {name: a, target: /tmp/x, qos: {iops: 10, weight: 0}}\n");
        assertThat(run("--config", noWeight.toString())).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("weight");
        assertThat(run("--config", dir.resolve("missing.yaml").toString())).isEqualTo(ExitCode.USAGE);
    }
}
