package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.common.PrivateFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;

/**
 * Runs the recipes of docs/integration.md as they are written there: an upstream (qemu-storage-daemon or nbdkit) in
 * front of a real block device (a loop device), the gateway export that names it, and QEMU's and libvirt's client
 * settings over TLS, so the page an operator copies from cannot drift from what works.
 */
@Tag("system")
class IntegrationRecipesTest {
    private static final Path DOC =
            Path.of("..", "docs", "integration.md").toAbsolutePath().normalize();
    private static final Pattern RECIPE =
            Pattern.compile("<!-- recipe: ([a-z-]+) -->\\n```[a-z]*\\n(.*?)```", Pattern.DOTALL);
    private static final String DOC_SOCKET = "/run/sluice/upstream.sock";
    private static final String EXPORT = "db";
    private static final int SIZE = 8 << 20;

    @TempDir
    static Path dir;

    static Map<String, String> recipes;
    static TestCertificates pki;
    static Path server;
    static Path client;
    static Path stranger;

    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void readRecipes() throws IOException {
        recipes = new HashMap<>();
        Matcher m = RECIPE.matcher(Files.readString(DOC));
        while (m.find()) {
            recipes.put(m.group(1), m.group(2));
        }
        assertThat(recipes)
                .containsOnlyKeys(
                        "upstream-qemu-storage-daemon",
                        "upstream-nbdkit",
                        "gateway-export",
                        "qemu-blockdev",
                        "libvirt-disk",
                        "nbd-client");
        pki = new TestCertificates(dir);
        server = pki.server("gateway");
        client = pki.client("db-host-1");
        stranger = pki.client("someone-else");
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"upstream-qemu-storage-daemon", "upstream-nbdkit"})
    void aQemuClientReachesABlockDeviceThroughTheGatewayAndAnUpstream(String upstream) throws Exception {
        Tools.require("qemu-img", "qemu-io", "qemu-storage-daemon", "nbdkit", "losetup");
        Path image = Tools.randomFile(dir, upstream + ".img", SIZE, 7);
        Path expected = Files.copy(image, dir.resolve(upstream + ".expected"));
        String device = attachLoopDevice(image);
        Path runDir = PrivateFiles.ensureDirectory(dir.resolve(upstream + "-run"));
        Map<String, String> env = new HashMap<>(Map.of(
                "DEVICE",
                device,
                "RUN_DIR",
                runDir.toString(),
                "EXPORT",
                EXPORT,
                "CLIENT_TLS_DIR",
                client.toString(),
                "GATEWAY",
                "127.0.0.1"));

        Tools.Result started = bash(env, recipes.get(upstream));
        assertThat(started.ok()).as(started.output()).isTrue();
        running.add(() -> stopByPidFile(runDir.resolve("upstream.pid")));

        GatewayProcess gateway = startGateway(runDir);
        env.put("PORT", Integer.toString(gateway.port()));

        Tools.Result info = bash(env, recipes.get("qemu-blockdev"));
        assertThat(info.ok()).as(info.output()).isTrue();
        assertThat(info.output()).contains("virtual size: 8 MiB (" + SIZE + " bytes)");

        Tools.Result same = bash(
                env,
                recipes.get("qemu-blockdev")
                        + "\nqemu-img compare --object \"$TLS_OBJECT\" --image-opts \"$BLOCKDEV\" \"driver=file,filename=$EXPECTED\"\n",
                Map.of("EXPECTED", expected.toString()));
        assertThat(same.output()).as(same.output()).contains("Images are identical");

        Tools.Result written = bash(
                env,
                recipes.get("qemu-blockdev")
                        + "\nqemu-io --object \"$TLS_OBJECT\" --image-opts \"$BLOCKDEV\""
                        + " -c 'write -P 0x5a 1M 1M' -c flush -c 'read -P 0x5a 1M 1M'\n");
        assertThat(written.ok()).as(written.output()).isTrue();
        assertThat(written.output()).doesNotContain("Pattern verification failed");
        assertThat(readDevice(device, 1 << 20, 1 << 20))
                .as("the block device holds what the guest wrote")
                .containsOnly((byte) 0x5a);

        Map<String, String> other = new HashMap<>(env);
        other.put("CLIENT_TLS_DIR", stranger.toString());
        // QEMU retries a refused open for open-timeout seconds; once is enough to see the refusal.
        Tools.Result refused = bash(other, recipes.get("qemu-blockdev").replace("open-timeout=30", "open-timeout=0"));
        assertThat(refused.ok())
                .as("a certificate the export does not allow: " + refused.output())
                .isFalse();
    }

    @Test
    void theLibvirtDiskNamesWhatTheQemuRecipeReaches() throws Exception {
        Element source = (Element) DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(recipes.get("libvirt-disk").getBytes(StandardCharsets.UTF_8)))
                .getElementsByTagName("source")
                .item(0);
        Element host = (Element) source.getElementsByTagName("host").item(0);
        Element reconnect = (Element) source.getElementsByTagName("reconnect").item(0);
        assertThat(source.getAttribute("protocol")).isEqualTo("nbd");
        assertThat(source.getAttribute("name"))
                .as("the export of the gateway recipe")
                .isEqualTo(EXPORT);
        assertThat(source.getAttribute("tls")).as("the export requires TLS").isEqualTo("yes");
        assertThat(recipes.get("gateway-export")).contains("name: " + EXPORT, "tls: require");
        assertThat(recipes.get("qemu-blockdev")).contains("reconnect-delay=" + reconnect.getAttribute("delay") + ",");
        assertThat(host.getAttribute("port")).isEqualTo("10809");

        // What libvirt hands QEMU for this disk, pointed at a gateway on loopback: the same image as the recipe's.
        Tools.require("qemu-img", "qemu-storage-daemon", "losetup");
        String device = attachLoopDevice(Tools.emptyFile(dir, "libvirt.img", SIZE));
        Path runDir = PrivateFiles.ensureDirectory(dir.resolve("libvirt-run"));
        Tools.Result upstream = bash(
                Map.of("DEVICE", device, "RUN_DIR", runDir.toString(), "EXPORT", EXPORT),
                recipes.get("upstream-qemu-storage-daemon"));
        assertThat(upstream.ok()).as(upstream.output()).isTrue();
        running.add(() -> stopByPidFile(runDir.resolve("upstream.pid")));
        GatewayProcess gateway = startGateway(runDir);
        String asLibvirtWould = "driver=nbd,server.type=inet,server.host=127.0.0.1,server.port=" + gateway.port()
                + ",export=" + source.getAttribute("name") + ",tls-creds=tls0,reconnect-delay="
                + reconnect.getAttribute("delay");
        Tools.Result info = Tools.run(
                60,
                "qemu-img",
                "info",
                "--object",
                "tls-creds-x509,id=tls0,dir=" + client + ",endpoint=client",
                "--image-opts",
                asLibvirtWould);
        assertThat(info.output()).as(info.output()).contains("virtual size: 8 MiB");
    }

    @Test
    void nbdClientMountsTheExportWhereTheKernelHasAnNbdModule() throws Exception {
        assumeTrue(
                Files.isDirectory(Path.of("/sys/module/nbd")) && Files.exists(Path.of("/dev/nbd0")),
                "the kernel has no nbd module loaded (modprobe nbd), so the nbd-client recipe cannot run here");
        Tools.require("nbd-client", "qemu-storage-daemon", "losetup");
        Path image = Tools.randomFile(dir, "nbd-client.img", SIZE, 9);
        String device = attachLoopDevice(image);
        Path runDir = PrivateFiles.ensureDirectory(dir.resolve("nbd-client-run"));
        Tools.Result upstream = bash(
                Map.of("DEVICE", device, "RUN_DIR", runDir.toString(), "EXPORT", EXPORT),
                recipes.get("upstream-qemu-storage-daemon"));
        assertThat(upstream.ok()).as(upstream.output()).isTrue();
        running.add(() -> stopByPidFile(runDir.resolve("upstream.pid")));
        GatewayProcess gateway = startGateway(runDir);
        Map<String, String> env = Map.of(
                "GATEWAY",
                "localhost",
                "PORT",
                Integer.toString(gateway.port()),
                "EXPORT",
                EXPORT,
                "CLIENT_TLS_DIR",
                client.toString());
        Tools.Result attached = bash(env, recipes.get("nbd-client"));
        assertThat(attached.ok()).as(attached.output()).isTrue();
        running.add(() -> Tools.run(30, "nbd-client", "-d", "/dev/nbd0"));
        assertThat(readDevice("/dev/nbd0", 0, 4096)).isEqualTo(Arrays.copyOf(Files.readAllBytes(image), 4096));
    }

    /** The gateway recipe's export, with the socket in this test's run directory, behind TLS. */
    private GatewayProcess startGateway(Path runDir) throws IOException {
        String export = recipes.get("gateway-export");
        assertThat(export).contains(DOC_SOCKET);
        Path config = Files.writeString(
                dir.resolve(runDir.getFileName() + ".yaml"),
                "tls-certificates: " + server + "\n"
                        + export.replace(
                                DOC_SOCKET, runDir.resolve("upstream.sock").toString()));
        GatewayProcess gateway = GatewayProcess.start(dir, "--config=" + config);
        running.add(gateway);
        return gateway;
    }

    private String attachLoopDevice(Path image) throws Exception {
        Tools.Result attached = Tools.run(30, "losetup", "--find", "--show", image.toString());
        assumeTrue(
                attached.ok(),
                "no loop device to stand for the storage host's disk (needs root): " + attached.output());
        String device = attached.output().trim();
        running.add(() -> Tools.run(30, "losetup", "--detach", device));
        return device;
    }

    private static Tools.Result bash(Map<String, String> env, String script) throws Exception {
        return Tools.run(60, env, List.of("bash", "-euo", "pipefail", "-c", script));
    }

    private static Tools.Result bash(Map<String, String> env, String script, Map<String, String> more)
            throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(more);
        return bash(all, script);
    }

    private static byte[] readDevice(String device, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(Path.of(device), StandardOpenOption.READ)) {
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // keep reading until full
            }
        }
        return buffer.array();
    }

    private static void stopByPidFile(Path pidFile) throws Exception {
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle process = ProcessHandle.of(pid).orElse(null);
            if (process != null) {
                process.destroy();
                try {
                    process.onExit().get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
