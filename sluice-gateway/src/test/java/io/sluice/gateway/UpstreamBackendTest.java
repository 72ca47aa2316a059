package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a client of other NBD servers: in front of nbdkit and of qemu-nbd (QEMU's NBD
 * server, the one qemu-storage-daemon embeds) over Unix sockets, and in front of another gateway over TCP, with real clients on top. The chained gateway is starved of queue
 * space, so these runs also exercise back-pressure.
 */
class UpstreamBackendTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;
    static Process nbdkit;
    static Process nbdkitReadOnly;
    static Process qemuNbd;
    static GatewayProcess qemuFront;
    static GatewayProcess front;
    static GatewayProcess chained;

    @BeforeAll
    static void start() throws Exception {
        if (Tools.onPath("qemu-nbd")) {
            Tools.emptyFile(dir, "qemu.img", SIZE);
            Path socket = dir.resolve("qemu.sock");
            qemuNbd = startServer(socket, List.of("qemu-nbd", "--format=raw", "--shared=4", "--persistent",
                    "--export-name=vol", "--socket=" + socket, dir.resolve("qemu.img").toString()));
            qemuFront = GatewayProcess.start(dir, "qvol=nbd+unix:///vol?socket=" + socket);
        }
        if (!Tools.onPath("nbdkit")) {
            return;
        }
        Tools.emptyFile(dir, "kit.img", SIZE);
        Tools.randomFile(dir, "kit-ro.img", 4 << 20, 21);
        nbdkit = startNbdkit(dir.resolve("kit.sock"), "file", "file=" + dir.resolve("kit.img"));
        nbdkitReadOnly = startNbdkit(dir.resolve("kit-ro.sock"), "-r", "file", "file=" + dir.resolve("kit-ro.img"));
        front = GatewayProcess.start(dir,
                "kit=nbd+unix:///?socket=" + dir.resolve("kit.sock"),
                "kitro=nbd+unix:///?socket=" + dir.resolve("kit-ro.sock"));
        // Deliberately starved (one I/O thread, a queue of 2, 4 slots per connection), so clients with
        // deeper queues run into back-pressure at every level on the way.
        chained = GatewayProcess.start(dir, "--io-threads=1", "--queue-depth=2", "--request-slots=4",
                "chain=" + front.uri("kit"));
    }

    private static Process startNbdkit(Path socket, String... pluginArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent", "-U", socket.toString()));
        command.addAll(List.of(pluginArgs));
        return startServer(socket, command);
    }

    private static Process startServer(Path socket, List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(socket.getFileName() + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("nbdkit did not start: "
                        + Files.readString(dir.resolve(socket.getFileName() + ".log")));
            }
            Thread.sleep(20);
        }
        return process;
    }

    @AfterAll
    static void stop() throws Exception {
        if (chained != null) {
            chained.close();
        }
        if (front != null) {
            front.close();
        }
        if (qemuFront != null) {
            qemuFront.close();
        }
        for (Process process : new Process[] {nbdkit, nbdkitReadOnly, qemuNbd}) {
            if (process != null) {
                process.destroy();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void nbdcopyThroughTheGatewayReachesNbdkitsFile() throws Exception {
        Tools.require("nbdkit", "nbdcopy");
        Path source = Tools.randomFile(dir, "source.img", SIZE, 22);
        Tools.Result in = Tools.run(60, "nbdcopy", "--connections=2", "--flush", source.toString(), front.uri("kit"));
        assertThat(in.ok()).as(in.output()).isTrue();
        assertThat(Files.mismatch(source, dir.resolve("kit.img"))).isEqualTo(-1);

        Path back = dir.resolve("back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", chained.uri("chain"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
    }

    @Test
    void nbdcopyThroughTheGatewayReachesQemuNbd() throws Exception {
        Tools.require("qemu-nbd", "nbdcopy");
        Path source = Tools.randomFile(dir, "qemu-source.img", SIZE, 24);
        Tools.Result in = Tools.run(60, "nbdcopy", "--connections=2", "--flush", source.toString(),
                qemuFront.uri("qvol"));
        assertThat(in.ok()).as(in.output()).isTrue();
        assertThat(Files.mismatch(source, dir.resolve("qemu.img"))).isEqualTo(-1);
        Path back = dir.resolve("qemu-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", qemuFront.uri("qvol"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
    }

    @Test
    void fioVerifiesThroughTwoGatewaysAndNbdkit() throws Exception {
        Tools.require("nbdkit", "fio");
        Tools.Result fio = Tools.run(60, "fio", "--name=chain", "--ioengine=nbd", "--verify_state_save=0", "--uri=" + chained.uri("chain"),
                "--rw=randrw", "--bs=4k", "--iodepth=16", "--size=16M", "--time_based", "--runtime=2",
                "--verify=crc32c", "--verify_fatal=1");
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).contains("err= 0").doesNotContain("verify:");
    }

    @Test
    void aReadOnlyUpstreamMakesAReadOnlyExport() throws Exception {
        Tools.require("nbdkit", "nbdinfo", "nbdcopy");
        Tools.Result info = Tools.run(30, "nbdinfo", front.uri("kitro"));
        assertThat(info.output()).as(info.output()).contains("is_read_only: true", "export-size: " + (4 << 20));
        Path back = dir.resolve("ro-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", front.uri("kitro"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(dir.resolve("kit-ro.img"), back)).isEqualTo(-1);
    }

    @Test
    void qemuImgWritesZeroesAndDataThroughToNbdkit() throws Exception {
        Tools.require("nbdkit", "qemu-img");
        Path source = Tools.randomFile(dir, "q.raw", SIZE, 23);
        Tools.zero(source, 8 << 20, 4 << 20);
        Tools.Result in = Tools.run(60, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                source.toString(), chained.uri("chain"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Tools.Result compare = Tools.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), front.uri("kit"));
        assertThat(compare.exitCode()).as(compare.output()).isZero();
    }
}
