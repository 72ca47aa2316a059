package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.AuthReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
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
        assertThat(first.addToken(RegistryFile.hashOf(bytes("issued-by-the-api"))))
                .isTrue();
        assertThat(first.admit(20, bytes("from-the-command-line")).accepted()).isTrue();
        assertThat(Files.readString(file()))
                .as("tokens are kept hashed")
                .doesNotContain("issued-by-the-api")
                .doesNotContain("from-the-command-line");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file())))
                .as("the server's user's alone")
                .isEqualTo("rw-------");

        GatewayRegistry next = new GatewayRegistry(Set.of(1L, 2L), Set.of("from-the-command-line"), file());
        assertThat(next.standing(10)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.standing(20)).as("enrolled with a token").isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.standing(2))
                .as("a revocation wins over the configured approval")
                .isEqualTo(GatewayRegistry.Standing.REVOKED);
        assertThat(next.admit(2, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(next.standing(11)).as("pending gateways ask again").isNull();
        assertThat(next.admit(21, bytes("from-the-command-line")).reason())
                .as("a used command-line token does not come back with the restart")
                .isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(next.addToken(RegistryFile.hashOf(bytes("from-the-command-line"))))
                .as("nor through the mailbox")
                .isFalse();
        assertThat(next.admit(22, bytes("issued-by-the-api")).accepted()).isTrue();
        assertThat(next.admit(23, bytes("issued-by-the-api")).reason())
                .as("single use")
                .isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(next.lastWriteError()).isNull();
    }

    @Test
    void anUnreadableFileRefusesEveryGatewayAndEveryChangeAndIsNeverOverwritten() throws Exception {
        Files.createDirectories(file().getParent());
        for (String content : new String[] {
            "",
            "not a registry\n",
            RegistryFile.HEADER + "\napproved -3\n",
            RegistryFile.HEADER + "\ntoken abc\n",
            RegistryFile.HEADER + "\nadmin 7\n",
            RegistryFile.HEADER + "\napproved\n",
            RegistryFile.HEADER + "\nrevoked 5\n\u00ff\u00fe",
            RegistryFile.HEADER + "\nbound 5\n",
            RegistryFile.HEADER + "\nbound 0 lun7\n",
            RegistryFile.HEADER + "\nunbound 5 " + "x".repeat(65) + "\n"
        }) {
            Files.writeString(file(), content, StandardCharsets.ISO_8859_1);
            byte[] before = Files.readAllBytes(file());
            GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of("from-the-command-line"), file());
            assertThat(registry.unusable()).as(content).contains(file().toString());
            assertThat(registry.admit(5, null).reason())
                    .as("not even a configured approval: the file may revoke it")
                    .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
            assertThat(registry.admit(6, bytes("from-the-command-line")).reason())
                    .as("the file may say the token is used")
                    .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
            assertThat(registry.admit(7, null).accepted()).isFalse();
            assertThatThrownBy(() -> registry.approve(8))
                    .isInstanceOf(GatewayRegistry.NotSavedException.class)
                    .hasMessageContaining("cannot be read");
            assertThatThrownBy(() -> registry.addToken(RegistryFile.hashOf(bytes("new"))))
                    .isInstanceOf(GatewayRegistry.NotSavedException.class);
            assertThatThrownBy(() -> registry.revoke(9)).isInstanceOf(GatewayRegistry.NotSavedException.class);
            assertThatThrownBy(() -> registry.bind("lun7", 5)).isInstanceOf(GatewayRegistry.NotSavedException.class);
            assertThat(registry.mayServeShared(5, "lun7")).isFalse();
            assertThat(registry.pendingCount()).isZero();
            assertThat(Files.readAllBytes(file()))
                    .as("left as it was for the operator")
                    .isEqualTo(before);
        }
        try (var files = Files.list(file().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("gateways.registry");
        }
    }

    @Test
    void aRepairedFileIsReadAgainAndTheRegistryRecoversWithoutARestart() throws Exception {
        GatewayRegistry before = new GatewayRegistry(Set.of(5L), Set.of("t1"), file());
        before.revoke(5);
        assertThat(before.admit(6, bytes("t1")).accepted()).isTrue();
        String good = Files.readString(file());
        Files.writeString(file(), good + "garbage line\n");

        GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of("t1"), file());
        assertThat(registry.admit(6, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThatThrownBy(() -> registry.revoke(30))
                .as("refused in memory, saved once readable")
                .isInstanceOf(GatewayRegistry.NotSavedException.class);
        registry.recheck(0);
        assertThat(registry.unusable()).as("still broken").isNotNull();
        Files.writeString(file(), good);
        registry.recheck(GatewayRegistry.RECHECK_MILLIS - 1);
        assertThat(registry.unusable()).as("not read again before its time").isNotNull();
        registry.recheck(GatewayRegistry.RECHECK_MILLIS);
        assertThat(registry.unusable()).isNull();
        assertThat(registry.admit(6, null).accepted()).as("approved on record").isTrue();
        assertThat(registry.admit(5, null).reason())
                .as("the revocation on record survived")
                .isEqualTo(AuthReason.REVOKED);
        assertThat(registry.admit(7, bytes("t1")).reason())
                .as("the used token too")
                .isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(registry.admit(30, null).reason())
                .as("revoked while unreadable")
                .isEqualTo(AuthReason.REVOKED);
        assertThat(Files.readString(file())).contains("revoked 30");
    }

    @Test
    void aFileAnotherUserCouldWriteIsUnusable() throws Exception {
        new GatewayRegistry(Set.of(5L), Set.of(), file());
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-rw-rw-"));
        GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of(), file());
        assertThat(registry.unusable()).contains("writable by group or others");
        assertThat(registry.admit(5, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
    }

    @Test
    void aRemovedFileStartsOverFromTheConfiguration() throws Exception {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), "corrupt\n");
        GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of(), file());
        assertThat(registry.unusable()).isNotNull();
        Files.delete(file());
        registry.recheck(Long.MAX_VALUE / 2);
        assertThat(registry.unusable()).isNull();
        assertThat(registry.admit(5, null).accepted()).isTrue();
        assertThat(Files.readString(file())).contains("approved 5");
    }

    /**
     * A write that fails (here a directory squats the temporary file's name, which stops root too) is not made and is
     * reported to the caller; a revocation still refuses the gateway at once.
     */
    @Test
    void aChangeThatCannotBeWrittenIsNotMadeAndTheCallerIsTold() throws Exception {
        GatewayRegistry registry = new GatewayRegistry(Set.of(5L), Set.of("t1"), file());
        String saved = Files.readString(file());
        Path squatter = file().resolveSibling("gateways.registry.tmp");
        Files.createDirectories(squatter.resolve("in-the-way"));

        assertThatThrownBy(() -> registry.approve(10))
                .isInstanceOf(GatewayRegistry.NotSavedException.class)
                .hasMessageContaining("gateway 10 not approved")
                .hasMessageContaining("cannot write");
        assertThat(registry.admit(10, null).accepted())
                .as("not approved in memory either")
                .isFalse();
        assertThatThrownBy(() -> registry.addToken(RegistryFile.hashOf(bytes("t2"))))
                .isInstanceOf(GatewayRegistry.NotSavedException.class);
        assertThat(registry.admit(11, bytes("t2")).reason()).isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(registry.admit(12, bytes("t1")).reason())
                .as("a token's use that cannot be recorded admits nobody")
                .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThatThrownBy(() -> registry.revoke(5))
                .isInstanceOf(GatewayRegistry.NotSavedException.class)
                .hasMessageContaining("not saved");
        assertThat(registry.admit(5, null).reason()).as("refused all the same").isEqualTo(AuthReason.REVOKED);
        assertThat(registry.writesFailed()).isEqualTo(4);
        assertThat(registry.lastWriteError()).contains("cannot write");
        assertThat(Files.readString(file())).as("the old registry is whole").isEqualTo(saved);

        Files.delete(squatter.resolve("in-the-way"));
        Files.delete(squatter);
        assertThat(registry.admit(12, bytes("t1")).accepted())
                .as("the token was given back")
                .isTrue();
        assertThat(registry.lastWriteError()).isNull();
        assertThat(Files.readString(file()))
                .contains("approved 12")
                .contains("revoked 5")
                .doesNotContain("approved 10");
    }

    @Test
    void theFileIsReplacedWholeAndPrivate() throws Exception {
        GatewayRegistry registry = new GatewayRegistry(Set.of(), Set.of(), file());
        registry.approve(3);
        registry.revoke(4);
        BasicFileAttributes first = Files.readAttributes(file(), BasicFileAttributes.class);
        registry.approve(5);
        Object inodeAfter =
                Files.readAttributes(file(), BasicFileAttributes.class).fileKey();
        assertThat(inodeAfter)
                .as("a new file renamed over the old one, never rewritten in place")
                .isNotEqualTo(first.fileKey());
        assertThat(Files.readAllLines(file()))
                .containsExactlyInAnyOrder(RegistryFile.HEADER, "approved 3", "revoked 4", "approved 5");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())))
                .isEqualTo("rwx------");
        try (var files = Files.list(file().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("no temporary file left")
                    .containsExactly("gateways.registry");
        }
    }

    @Test
    void withoutAFileNothingIsWritten() throws Exception {
        GatewayRegistry registry = new GatewayRegistry(Set.of(), Set.of(), null);
        registry.approve(3);
        assertThat(registry.standing(3)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void sharedVolumeBindingsGivenAtRunTimeOutliveARestartAndAnUnbindingWinsOverTheConfiguration() throws Exception {
        Map<String, Set<Long>> configured = Map.of("lun 7", Set.of(1L, 2L));
        GatewayRegistry first = new GatewayRegistry(Set.of(1L, 2L, 3L), Set.of(), configured, file());
        assertThat(first.mayServeShared(1, "lun 7"))
                .as("bound by the configuration")
                .isTrue();
        assertThat(first.mayServeShared(3, "lun 7")).as("bound to nobody else").isFalse();
        assertThat(first.mayServeShared(1, "lun 8")).as("nor to other names").isFalse();
        first.bind("lun 7", 3);
        first.unbind("lun 7", 2);
        assertThat(first.mayServeShared(3, "lun 7")).isTrue();
        assertThat(first.mayServeShared(2, "lun 7")).isFalse();
        assertThat(Files.readAllLines(file()))
                .contains("bound 3 lun+7", "unbound 2 lun+7")
                .doesNotContain("bound 1 lun+7");

        GatewayRegistry next = new GatewayRegistry(Set.of(1L, 2L, 3L), Set.of(), configured, file());
        assertThat(next.mayServeShared(3, "lun 7"))
                .as("bound through the mailbox, kept")
                .isTrue();
        assertThat(next.mayServeShared(2, "lun 7"))
                .as("the unbinding wins over the configuration")
                .isFalse();
        assertThat(next.mayServeShared(1, "lun 7")).isTrue();
        GatewayRegistry unconfigured = new GatewayRegistry(Set.of(1L), Set.of(), Map.of(), file());
        assertThat(unconfigured.mayServeShared(1, "lun 7"))
                .as("taken out of the configuration: unbound")
                .isFalse();
        assertThat(unconfigured.mayServeShared(3, "lun 7")).isTrue();
        assertThatThrownBy(() -> next.bind("x".repeat(65), 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
