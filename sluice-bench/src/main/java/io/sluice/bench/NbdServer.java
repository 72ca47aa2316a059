package io.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A data-path server of {@code sluice bench gateway} under test, stopped when closed: the Sluice gateway (its own JVM),
 * nbdkit's file plugin, or qemu-storage-daemon's NBD export, each serving one prefilled file on loopback.
 */
record NbdServer(Process process, String uri) implements AutoCloseable {
    /** The aio mode qemu-storage-daemon's file driver ran with: io_uring where this kernel and build allow it. */
    private static volatile String qsdAio = "?";

    static String qsdAio() {
        return qsdAio;
    }

    /**
     * {@code qos}: the export's {@code qos:} section (YAML under it, indented for one line), null for an unthrottled
     * gateway; {@code tlsDir}: the server's certificates, to serve nbds:// only; null for plaintext.
     */
    static NbdServer gateway(Path dir, Path image, String qos, Path tlsDir) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.sluice.gateway.GatewayMain"));
        if (qos != null) {
            Path config = Files.createTempFile(dir, "gateway", ".yaml");
            Files.writeString(
                    config, "exports:\n  - name: disk\n    target: " + image + "\n    qos:\n      " + qos + "\n");
            cmd.addAll(List.of("--config", config.toString(), "127.0.0.1:0"));
        } else {
            cmd.addAll(List.of("--unthrottled", "127.0.0.1:0", "disk=" + image));
        }
        if (tlsDir != null) {
            cmd.add("--tls-certificates=" + tlsDir);
        }
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("sluice-gateway listening on ")) {
            p.destroyForcibly();
            throw new IOException("gateway did not start: " + line);
        }
        Thread.ofPlatform().daemon(true).start(() -> out.lines().forEach(l -> {}));
        return new NbdServer(
                p,
                (tlsDir == null ? "nbd://" : "nbds://") + line.substring("sluice-gateway listening on ".length())
                        + "/disk");
    }

    /** {@code tlsDir}: the server's certificates, with TLS required; null for plaintext. */
    static NbdServer nbdkit(Path image, Path tlsDir) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(
                List.of("nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p", Integer.toString(port)));
        if (tlsDir != null) {
            cmd.addAll(List.of("--tls=require", "--tls-certificates=" + tlsDir));
        }
        cmd.addAll(List.of("file", image.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return await(new NbdServer(p, (tlsDir == null ? "nbd://" : "nbds://") + "127.0.0.1:" + port), port);
    }

    /**
     * qemu-storage-daemon's NBD export of the file: through a throttle group with {@code throttle}'s properties (e.g.
     * {@code x-iops-total=2000}) when not null, else unthrottled, the second peer of the data path. Tries aio=io_uring,
     * then native (which needs O_DIRECT, so it would not read the page cache the others read: skipped), then threads.
     */
    static NbdServer qemuStorageDaemon(Path image, String throttle) throws Exception {
        IOException last = null;
        for (String aio : List.of("io_uring", "threads")) {
            try {
                NbdServer server = qemuStorageDaemon(image, throttle, aio);
                qsdAio = aio;
                return server;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private static NbdServer qemuStorageDaemon(Path image, String throttle, String aio) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(
                "qemu-storage-daemon",
                "--blockdev",
                "driver=file,node-name=file0,filename=" + image + ",aio=" + aio,
                "--blockdev",
                "driver=raw,node-name=raw0,file=file0"));
        String node = "raw0";
        if (throttle != null) {
            cmd.addAll(List.of(
                    "--object",
                    "throttle-group,id=tg0," + throttle,
                    "--blockdev",
                    "driver=throttle,node-name=thr0,throttle-group=tg0,file=raw0"));
            node = "thr0";
        }
        cmd.addAll(List.of(
                "--nbd-server",
                "addr.type=inet,addr.host=127.0.0.1,addr.port=" + port,
                "--export",
                "type=nbd,id=exp0,node-name=" + node + ",name=disk"));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return await(new NbdServer(p, "nbd://127.0.0.1:" + port + "/disk"), port);
    }

    private static NbdServer await(NbdServer server, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && server.process.isAlive()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return server;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        server.close();
        throw new IOException(server.uri + " did not start");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
