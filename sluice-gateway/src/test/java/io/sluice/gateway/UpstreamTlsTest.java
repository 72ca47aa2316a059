package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a TLS client of real upstreams that require TLS and verify their clients: nbdkit ({@code --tls=require
 * --tls-verify-peer}) and qemu-nbd ({@code tls-creds-x509 verify-peer=on}), with certificates from sluice-pki; nbdcopy
 * carries data through the gateway and the files behind the upstreams are compared.
 */
@Tag("system")
class UpstreamTlsTest {
    private static final int SIZE = 16 << 20;

    @TempDir
    static Path dir;

    static TestCertificates pki;
    static Path server;
    static Path client;
    static final List<Process> upstreams = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        pki = new TestCertificates(dir);
        server = pki.server("upstream");
        client = pki.client("gateway");
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process process : upstreams) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void nbdkitRequiringTlsAndClientCertificates() throws Exception {
        Tools.require("nbdkit", "nbdcopy");
        Path backing = Tools.emptyFile(dir, "kit.img", SIZE);
        int port = freePort();
        start(
                port,
                List.of(
                        "nbdkit",
                        "-f",
                        "--exit-with-parent",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "--tls=require",
                        "--tls-certificates=" + server,
                        "--tls-verify-peer",
                        "file",
                        "file=" + backing));
        throughGateway("nbds://127.0.0.1:" + port + "/?tls-certificates=" + client, backing, 31);
    }

    @Test
    void qemuNbdRequiringTlsAndClientCertificates() throws Exception {
        Tools.require("qemu-nbd", "nbdcopy");
        Path backing = Tools.emptyFile(dir, "qemu.img", SIZE);
        int port = freePort();
        start(
                port,
                List.of(
                        "qemu-nbd",
                        "--format=raw",
                        "--persistent",
                        "--shared=4",
                        "--export-name=vol",
                        "--bind=127.0.0.1",
                        "--port=" + port,
                        "--object",
                        "tls-creds-x509,id=tls0,endpoint=server,verify-peer=on,dir=" + server,
                        "--tls-creds=tls0",
                        backing.toString()));
        throughGateway("nbds://127.0.0.1:" + port + "/vol?tls-certificates=" + client, backing, 32);
    }

    @Test
    void anUpstreamThatSpeaksNoTlsIsAnErrorNotPlaintext() throws Exception {
        Tools.require("nbdkit");
        int port = freePort();
        start(
                port,
                List.of(
                        "nbdkit",
                        "-f",
                        "--exit-with-parent",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "--tls=off",
                        "memory",
                        "1M"));
        Tools.Result result = Tools.run(
                60,
                List.of(
                        java(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        classPath(),
                        GatewayMain.class.getName(),
                        "127.0.0.1:0",
                        "up=nbds://127.0.0.1:" + port + "/?tls-certificates=" + client));
        assertThat(result.ok()).isFalse();
        assertThat(result.output()).contains("STARTTLS");
    }

    private static void throughGateway(String upstream, Path backing, long seed) throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(dir, "up=" + upstream)) {
            Path source = Tools.randomFile(dir, "source-" + seed + ".img", SIZE, seed);
            Tools.Result in = Tools.run(60, "nbdcopy", "--connections=2", source.toString(), gateway.uri("up"));
            assertThat(in.ok()).as(in.output()).isTrue();
            Path back = dir.resolve("back-" + seed + ".img");
            Tools.Result out = Tools.run(60, "nbdcopy", gateway.uri("up"), back.toString());
            assertThat(out.ok()).as(out.output()).isTrue();
            assertThat(Files.mismatch(source, back)).isEqualTo(-1);
            assertThat(Files.mismatch(source, backing))
                    .as("the data reached the upstream's file")
                    .isEqualTo(-1);
        }
    }

    private static void start(int port, List<String> command) throws Exception {
        Path log = dir.resolve("upstream-" + port + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        upstreams.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException(command.getFirst() + " did not start: " + Files.readString(log));
                }
                Thread.sleep(20);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }
}
