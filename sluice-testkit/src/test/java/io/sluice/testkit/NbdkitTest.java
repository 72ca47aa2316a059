package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nbdkit started, judged listening by a real connect the moment start returns, killed and started again. */
@Tag("system")
class NbdkitTest {
    @TempDir
    Path dir;

    @BeforeEach
    void nbdkitInstalled() {
        String path = System.getenv().getOrDefault("PATH", "");
        boolean found = false;
        for (String entry : path.split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(entry, "nbdkit"));
        }
        assumeTrue(found, "nbdkit is not installed (apt-get install nbdkit)");
    }

    @Test
    void listensOnceStartedAndCanBeKilledAndStartedAgainOnTheSameSocket() throws Exception {
        Path socket = dir.resolve("kit.sock");
        try (Nbdkit first = Nbdkit.start(socket, "memory", "1M")) {
            assertThat(greeting(socket)).as("nbdkit's NBD greeting").isEqualTo("NBDMAGIC");
            first.kill();
            assertThat(socket).doesNotExist();
        }
        try (Nbdkit second = Nbdkit.start(socket, "-r", "memory", "1M")) {
            assertThat(greeting(second.socket())).isEqualTo("NBDMAGIC");
        }
    }

    @Test
    void anNbdkitThatCannotStartFailsWithItsOwnWords() {
        assertThatThrownBy(() -> Nbdkit.start(dir.resolve("kit.sock"), "no-such-plugin-here"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not listen")
                .hasMessageContaining("no-such-plugin-here");
    }

    private static String greeting(Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer magic = ByteBuffer.allocate(8);
            while (magic.hasRemaining()) {
                if (channel.read(magic) < 0) {
                    throw new IOException("nbdkit closed the connection before its greeting");
                }
            }
            return new String(magic.array(), StandardCharsets.US_ASCII);
        }
    }
}
