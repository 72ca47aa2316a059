package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.AuthReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Standings and tokens written through to the registry file, and read back by the next monitor. */
class GatewayRegistryTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("monitor").resolve("gateways.registry");
    }

    private static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void approvalsRevocationsAndTokensGivenAtRunTimeOutliveARestart() throws Exception {
        GatewayRegistry first = new GatewayRegistry(Set.of(1L, 2L), Set.of("from-the-command-line"), file());
        first.approve(10);
        first.revoke(2);
        assertThat(first.admit(11, null).reason()).isEqualTo(AuthReason.AWAITING_APPROVAL);
        assertThat(first.addToken(RegistryFile.hashOf(bytes("issued-by-the-api")))).isTrue();
        assertThat(first.admit(20, bytes("from-the-command-line")).accepted()).isTrue();
        assertThat(Files.readString(file())).as("tokens are kept hashed")
                .doesNotContain("issued-by-the-api").doesNotContain("from-the-command-line");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file())))
                .as("the server's user's alone").isEqualTo("rw-------");

        GatewayRegistry next = new GatewayRegistry(Set.of(1L, 2L), Set.of("from-the-command-line"), file());
        assertThat(next.standing(10)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.standing(20)).as("enrolled with a token").isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.standing(2)).as("a revocation wins over the configured approval").isEqualTo(GatewayRegistry.Standing.REVOKED);
        assertThat(next.admit(2, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(next.standing(11)).as("pending gateways ask again").isNull();
        assertThat(next.admit(21, bytes("from-the-command-line")).reason())
                .as("a used command-line token does not come back with the restart").isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(next.addToken(RegistryFile.hashOf(bytes("from-the-command-line")))).as("nor through the mailbox").isFalse();
        assertThat(next.admit(22, bytes("issued-by-the-api")).accepted()).isTrue();
        assertThat(next.admit(23, bytes("issued-by-the-api")).reason()).as("single use").isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(next.lastWriteError()).isNull();
    }

    @Test
    void anUnreadableFileIsMovedAsideAndTheConfigurationUsed() throws Exception {
        Files.createDirectories(file().getParent());
        for (String content : new String[] {"", "not a registry\n", RegistryFile.HEADER + "\napproved -3\n",
                RegistryFile.HEADER + "\ntoken abc\n", RegistryFile.HEADER + "\nadmin 7\n", RegistryFile.HEADER + "\napproved\n"}) {
            Files.writeString(file(), content);
            GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of(), file());
            assertThat(registry.standing(5)).isEqualTo(GatewayRegistry.Standing.APPROVED);
            assertThat(registry.standing(7)).isNull();
            assertThat(Files.readString(file())).as("rewritten whole").startsWith(RegistryFile.HEADER).contains("approved 5");
        }
        try (var aside = Files.list(file().getParent())) {
            assertThat(aside.filter(f -> f.getFileName().toString().startsWith("gateways.registry.unreadable-"))).isNotEmpty();
        }
    }

    @Test
    void withoutAFileNothingIsWritten() {
        GatewayRegistry registry = new GatewayRegistry(Set.of(), Set.of(), null);
        registry.approve(3);
        assertThat(registry.standing(3)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(dir.toFile().list()).isEmpty();
    }
}
