package io.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.PrivateFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSettingsTest {
    @TempDir
    Path dir;

    private Path exampleWithLocalFiles() throws Exception {
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        Path password = Files.writeString(dir.resolve("pw"), "pw");
        Path bootstrap = Files.writeString(dir.resolve("services.json"), "{}");
        String yaml = Files.readString(Path.of("..", "conf", "sluice.example.yaml"))
                .replace("/etc/sluice/deployment.secret", secret.toString())
                .replace("/etc/sluice/db.password", password.toString())
                .replace("/etc/sluice/services.json", bootstrap.toString());
        return Files.writeString(dir.resolve("sluice.yaml"), yaml);
    }

    @Test
    void theShippedExampleParsesAndEveryRoleGetsItsCommandLine() throws Exception {
        ServerSettings s = ServerSettings.resolve(ServerConfig.read(exampleWithLocalFiles()), ServerConfig.EMPTY);
        assertThat(s.roles()).containsExactly("db", "services", "monitor", "web");
        assertThat(s.pollIntervalMillis()).isEqualTo(1000);
        assertThat(s.jvmOptions().get("db")).containsExactly("-Xmx1g");
        assertThat(RoleCatalog.command(s, "monitor")).containsSubsequence("--listen", "0.0.0.0:7070")
                .containsSubsequence("--approve", "1-100").containsSubsequence("--mailbox-name", "sluice")
                .containsSubsequence("--handshake-timeout", "5000").containsSubsequence("--max-unauthenticated", "1024")
                .containsSubsequence("--max-unauthenticated-per-address", "128")
                .containsSubsequence("--pki-dir", s.dataDir().resolve("pki").toString())
                .containsSubsequence("--tls-name", "sla.example.com");
        assertThat(RoleCatalog.command(s, "db")).containsSubsequence("--jdbc-url", "jdbc:postgresql://127.0.0.1:5432/sluice");
        assertThat(RoleCatalog.roles(s)).extracting(r -> r.name()).containsExactly("db", "services", "monitor", "web");
        assertThat(RoleCatalog.mailboxes(s)).hasSize(4);
    }

    @Test
    void flagsWinOverTheFileAndDefaultsFillTheRest() throws Exception {
        ServerConfig file = ServerConfig.read(exampleWithLocalFiles());
        ServerConfig flags = new ServerConfig("lab", null, null, null, null, null, List.of("monitor", "db"), null,
                new ServerConfig.Monitor("127.0.0.1:9000", 250L, null, null, null), null, null, null);
        ServerSettings s = ServerSettings.resolve(file, flags);
        assertThat(s.name()).isEqualTo("lab");
        assertThat(s.monitorListen()).isEqualTo("127.0.0.1:9000");
        assertThat(s.pollIntervalMillis()).isEqualTo(250);
        assertThat(s.missLimit()).as("from the file").isEqualTo(3);
        assertThat(s.roles()).as("always in start order").containsExactly("db", "monitor");

        Path secret = PrivateFiles.writeSecret(dir.resolve("s2"), "0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        ServerSettings defaults = ServerSettings.resolve(ServerConfig.EMPTY, new ServerConfig(null, null, null, null,
                secret.toString(), null, null, null, null, null, null, null));
        assertThat(defaults.webListen()).isEqualTo("127.0.0.1:8080");
        assertThat(defaults.runDir()).isEqualTo(defaults.dataDir().resolve("run"));
        assertThat(defaults.jdbcUrl()).isNull();
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.read(Files.writeString(dir.resolve("a.yaml"),
                "monitor:\n  poll-intervall-ms: 5\n")), ServerConfig.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("poll-intervall-ms");
        assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.read(Files.writeString(dir.resolve("b.yaml"),
                "roles: [db, cache]\n")), ServerConfig.EMPTY)).hasMessageContaining("roles");
        assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.read(Files.writeString(dir.resolve("c.yaml"),
                "roles: [db]\nweb:\n  listen: nowhere\n")), ServerConfig.EMPTY)).hasMessageContaining("web.listen");
        assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.read(Files.writeString(dir.resolve("d.yaml"),
                "roles: [monitor]\n")), ServerConfig.EMPTY)).hasMessageContaining("secret-file");
        assertThatThrownBy(() -> ServerConfig.read(Files.writeString(dir.resolve("e.yaml"), "name: [unclosed\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("e.yaml");
    }
}
