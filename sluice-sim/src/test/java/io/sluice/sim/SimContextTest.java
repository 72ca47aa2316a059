package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.PrivateFiles;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimContextTest {
    @TempDir
    Path dir;

    @Test
    void againstALoopbackMonitorEachGatewayConnectsFromItsOwnAddress() throws Exception {
        byte[] secret = "0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8);
        SimContext loopback = SimContext.builder(new InetSocketAddress("127.0.0.1", 7000), secret)
                .build();
        assertThat(loopback.sourceAddress(0)).isEqualTo(new InetSocketAddress("127.1.0.1", 0));
        assertThat(loopback.sourceAddress(300)).isEqualTo(new InetSocketAddress("127.1.1.45", 0));
        assertThat(loopback.sourceAddress(70_000)).isEqualTo(new InetSocketAddress("127.2.17.113", 0));
        assertThat(SimContext.builder(new InetSocketAddress("::1", 7000), secret)
                        .build()
                        .sourceAddress(0))
                .as("IPv6: the kernel chooses")
                .isNull();
        assertThat(SimContext.builder(new InetSocketAddress("192.0.2.1", 7000), secret)
                        .build()
                        .sourceAddress(0))
                .as("a monitor elsewhere: the kernel chooses")
                .isNull();
    }

    @Test
    void parsesEveryOptionInBothForms() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef-secret\n".getBytes(StandardCharsets.UTF_8));
        // A template, {id} standing for each gateway's id; from a 0600 file, as every secret, never the command line.
        Path token = PrivateFiles.writeSecret(dir.resolve("token"), "enroll-{id}\n".getBytes(StandardCharsets.UTF_8));
        SimContext context = SimContext.parse(
                "--monitor",
                "[::1]:7000",
                "--monitor=[::1]:7001",
                "--secret-file=" + secret,
                "--gateways",
                "5000",
                "--volumes-per-gateway=8",
                "--first-gateway-id",
                "1000",
                "--enrollment-token-file",
                token.toString(),
                "--fault",
                "slow=0.01,wrong-key=0.002",
                "--duration",
                "30",
                "--threads",
                "3",
                "--seed",
                "9",
                "--ramp-up-ms",
                "2500",
                "--summary-interval",
                "2");
        assertThat(context.monitors())
                .as("repeated: a pair, tried in turn")
                .containsExactly(new InetSocketAddress("::1", 7000), new InetSocketAddress("::1", 7001));
        assertThat(new String(context.deploymentSecret()))
                .as("every byte, as the monitor reads it")
                .isEqualTo("0123456789abcdef-secret\n");
        assertThat(new String(context.enrollmentToken(1042))).isEqualTo("enroll-1042");
        assertThat(context.gateways()).isEqualTo(5000);
        assertThat(context.volumesPerGateway()).isEqualTo(8);
        assertThat(context.firstGatewayId()).isEqualTo(1000);
        assertThat(context.faults()).hasToString("slow=0.01,wrong-key=0.002");
        assertThat(context.durationMillis()).isEqualTo(30_000);
        assertThat(context.threads()).isEqualTo(3);
        assertThat(context.seed()).isEqualTo(9);
        assertThat(context.timings().rampUpMillis()).isEqualTo(2500);
        assertThat(context.summaryIntervalMillis()).isEqualTo(2000);
    }

    @Test
    void aSkewedFleetHasItsHeavyGatewaysSpreadEvenlyThroughIt() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef-secret\n".getBytes(StandardCharsets.UTF_8));
        SimContext context = SimContext.parse(
                "--monitor",
                "127.0.0.1:7000",
                "--secret-file",
                secret.toString(),
                "--gateways",
                "10",
                "--volumes-per-gateway",
                "1",
                "--skew",
                "2:50",
                "--volume-ids",
                "default");
        assertThat(IntStream.range(0, 10).map(context::volumesOf).toArray())
                .containsExactly(50, 1, 1, 1, 1, 50, 1, 1, 1, 1);
        assertThat(SimContext.builder(new InetSocketAddress("localhost", 9), TestSims.SECRET)
                        .build()
                        .volumesOf(7))
                .as("no skew: every gateway the same")
                .isEqualTo(4);
        InetSocketAddress monitor = new InetSocketAddress("localhost", 9);
        assertThatThrownBy(() -> SimContext.builder(monitor, TestSims.SECRET)
                        .gateways(10)
                        .skew(new SimContext.Skew(11, 5))
                        .build())
                .hasMessageContaining("--skew");
        SimContext distinct = SimContext.builder(monitor, TestSims.SECRET)
                .volumesPerGateway(1)
                .skew(new SimContext.Skew(1, 5))
                .volumeIds(VolumeIds.DISTINCT)
                .build();
        assertThat(distinct.volumeId(1, 4)).as("the heavy gateway's last").isEqualTo(5);
        assertThat(distinct.volumeId(2, 0))
                .as("the next gateway's first, after room for five")
                .isEqualTo(6);
        assertThatThrownBy(() -> SimContext.parse(
                        "--monitor", "127.0.0.1:7000", "--secret-file", secret.toString(), "--skew", "20"))
                .hasMessageContaining("HEAVY_GATEWAYS:VOLUMES");
    }

    @Test
    void defaultsNeedOnlyTheMonitorAndTheSecret() {
        SimContext context = SimContext.builder(new InetSocketAddress("localhost", 9), TestSims.SECRET)
                .build();
        assertThat(context.gateways()).isEqualTo(100);
        assertThat(context.volumesPerGateway()).isEqualTo(4);
        assertThat(context.durationMillis()).isZero();
        assertThat(context.enrollmentToken(1)).isEmpty();
        assertThat(context.timings()).isEqualTo(SimTimings.DEFAULTS);
    }

    @Test
    void refusesWhatCannotRun() {
        InetSocketAddress monitor = new InetSocketAddress("localhost", 9);
        assertThatThrownBy(() ->
                        SimContext.builder(monitor, TestSims.SECRET).gateways(0).build())
                .hasMessageContaining("--gateways");
        assertThatThrownBy(() -> SimContext.builder(monitor, TestSims.SECRET)
                        .volumesPerGateway(SimContext.MAX_VOLUMES_PER_GATEWAY + 1)
                        .build())
                .hasMessageContaining("--volumes-per-gateway");
        assertThatThrownBy(() ->
                        SimContext.builder(monitor, TestSims.SECRET).threads(0).build())
                .hasMessageContaining("--threads");
        assertThatThrownBy(() -> SimContext.builder(monitor, new byte[8]).build())
                .hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> SimContext.builder(monitor, TestSims.SECRET)
                        .enrollmentToken("x".repeat(250) + "{id}")
                        .build())
                .hasMessageContaining("token");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "host-without-port"))
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "h:70000")).hasMessageContaining("port");
        assertThatThrownBy(() -> SimContext.parse("--monitor")).hasMessage("--monitor needs a value");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "h:1", "--frobnicate=2"))
                .hasMessage("unknown option: --frobnicate=2");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "h:1", "stray"))
                .hasMessage("unexpected argument: stray");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "h:1", "--gateways=many"))
                .hasMessage("--gateways wants a number: many");
        assertThatThrownBy(() -> SimContext.parse("--monitor", "h:1")).hasMessageContaining("--secret-file");
        assertThatThrownBy(() -> new SimTimings(0, 0, 1, 1, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
