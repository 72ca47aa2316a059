package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.backend.UpstreamAddress;
import io.sluice.gateway.backend.UpstreamNbdBackend;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.testkit.Nbdkit;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream backend in front of a real nbdkit that is killed and started again on the same socket: the requests made
 * while it is down wait and complete once it is back, none failing; one that never comes back fails them with EIO once
 * the reconnect window has passed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("system")
class UpstreamReconnectTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path socket;
    private Path image;
    private Nbdkit nbdkit;
    private UpstreamNbdBackend backend;

    @BeforeEach
    void upstream() throws Exception {
        Tools.require("nbdkit");
        socket = dir.resolve("kit.sock");
        image = dir.resolve("disk.img");
        byte[] content = new byte[4 * MIB];
        Arrays.fill(content, 0, MIB, (byte) 0x5a);
        Files.write(image, content);
        nbdkit = Nbdkit.start(socket, "file", "file=" + image);
    }

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (nbdkit != null) {
            nbdkit.close();
        }
    }

    @Test
    void requestsMadeWhileTheUpstreamRestartsWaitForItAndSucceed() throws Exception {
        backend = UpstreamNbdBackend.connect(new UpstreamAddress(UnixDomainSocketAddress.of(socket), ""));
        assertThat(read(0, 4096)).containsOnly((byte) 0x5a);

        nbdkit.kill();
        CompletableFuture<byte[]> reading = CompletableFuture.supplyAsync(() -> read(0, 8192));
        ByteBuffer written = ByteBuffer.allocate(4096);
        Arrays.fill(written.array(), (byte) 0x33);
        CompletableFuture<Integer> writing = CompletableFuture.supplyAsync(() -> backend.write(2 * MIB, written, true));
        nbdkit = Nbdkit.start(socket, "file", "file=" + image);

        assertThat(reading.get(60, TimeUnit.SECONDS))
                .as("the read made while nbdkit was down")
                .containsOnly((byte) 0x5a);
        assertThat(writing.get(60, TimeUnit.SECONDS))
                .as("the write made while nbdkit was down")
                .isEqualTo(NbdError.OK);
        assertThat(read(2 * MIB, 4096)).containsOnly((byte) 0x33);
        byte[] onDisk = Files.readAllBytes(image);
        assertThat(Arrays.copyOfRange(onDisk, 2 * MIB, 2 * MIB + 4096))
                .as("in nbdkit's file")
                .containsOnly((byte) 0x33);
    }

    @Test
    void anUpstreamThatDoesNotComeBackFailsRequestsOnceTheWindowHasPassed() throws Exception {
        backend = UpstreamNbdBackend.connect(new UpstreamAddress(UnixDomainSocketAddress.of(socket), ""), 1_000);
        assertThat(read(0, 4096)).containsOnly((byte) 0x5a);
        nbdkit.kill();
        assertThat(backend.read(0, ByteBuffer.allocate(4096))).isEqualTo(NbdError.EIO);
        nbdkit = Nbdkit.start(socket, "file", "file=" + image);
        // Still reconnecting in the background: the export is served again once nbdkit is back.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int error;
        while ((error = backend.read(0, ByteBuffer.allocate(4096))) != NbdError.OK) {
            assertThat(System.nanoTime())
                    .as("reconnected, last error %d", error)
                    .isLessThan(deadline);
        }
    }

    private byte[] read(long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        int error = backend.read(offset, dst);
        if (error != NbdError.OK) {
            throw new AssertionError("read at " + offset + " failed: " + error);
        }
        return dst.array();
    }
}
