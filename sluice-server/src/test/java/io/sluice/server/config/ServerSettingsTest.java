package io.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.PrivateFiles;
import io.sluice.db.HistoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSettingsTest {
    @TempDir
    Path dir;

    private Path exampleWithLocalFiles() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        Path password = PrivateFiles.writeSecret(dir.resolve("pw"), "pw".getBytes(StandardCharsets.UTF_8));
        Path bootstrap = Files.writeString(dir.resolve("services.json"), "{}");
        Path webCertificate = Files.writeString(dir.resolve("web.crt"), "certificate");
        Path webKey = PrivateFiles.writeSecret(dir.resolve("web.key"), "key".getBytes(StandardCharsets.UTF_8));
        String yaml = Files.readString(Path.of("..", "conf", "sluice.example.yaml"))
                .replace("/var/lib/sluice", dir.resolve("var").toString())
                .replace("/etc/sluice/web.crt", webCertificate.toString())
                .replace("/etc/sluice/web.key", webKey.toString())
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
        assertThat(RoleCatalog.command(s, "monitor"))
                .containsSubsequence("--listen", "0.0.0.0:7070")
                .containsSubsequence("--approve", "1-100")
                .containsSubsequence("--mailbox-name", "sluice")
                .containsSubsequence("--handshake-timeout", "5000")
                .containsSubsequence("--max-unauthenticated", "1024")
                .containsSubsequence("--max-unauthenticated-per-address", "128")
                .containsSubsequence("--max-handshakes-in-progress", "0")
                .containsSubsequence("--max-handshakes-per-address", "0")
                .containsSubsequence("--pairs", "0")
                .containsSubsequence("--max-pairs", "0")
                .containsSubsequence("--pki-dir", s.dataDir().resolve("pki").toString())
                .containsSubsequence("--tls-name", "sla.example.com")
                .containsSubsequence("--shared-volume", "lun7=12,14");
        assertThat(RoleCatalog.command(s, "db"))
                .as("a URL may hold a password: never on a command line")
                .containsSubsequence(
                        "--jdbc-url-file", RoleCatalog.jdbcUrlFile(s).toString())
                .noneMatch(arg -> arg.contains("jdbc:"))
                .doesNotContain("--insecure-database-link");
        assertThat(RoleCatalog.roles(s)).extracting(r -> r.name()).containsExactly("db", "services", "monitor", "web");
        assertThat(Files.readString(RoleCatalog.jdbcUrlFile(s))).isEqualTo("jdbc:postgresql://127.0.0.1:5432/sluice");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(RoleCatalog.jdbcUrlFile(s))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(RoleCatalog.jdbcUrlFile(s).getParent())))
                .isEqualTo("rwx------");
        assertThat(RoleCatalog.mailboxes(s)).hasSize(4);
        assertThat(s.volumeLimits()).isEqualTo(new ServerSettings.VolumeLimits(4_096, 100_000, 600_000));
        assertThat(RoleCatalog.command(s, "monitor")).containsSubsequence("--max-volumes-per-gateway", "4096");
        assertThat(RoleCatalog.command(s, "services"))
                .containsSubsequence("--max-volumes", "100000")
                .containsSubsequence("--volume-expiry-ms", "600000");
        assertThat(RoleCatalog.command(s, "web"))
                .containsSubsequence("--public-url", "https://sluice.example.com")
                .containsSubsequence(
                        "--tls-certificate",
                        dir.resolve("web.crt").toString(),
                        "--tls-key",
                        dir.resolve("web.key").toString())
                .doesNotContain("--allow-plaintext");
    }

    @Test
    void theGatewayLinkIsTlsByDefaultAndPlaintextOnlyWhenAskedFor() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        String base = "roles: [monitor]\ndata-dir: " + dir.resolve("data") + "\nsecret-file: " + secret + "\n";
        ServerSettings plain = ServerSettings.resolve(
                ServerConfig.read(Files.writeString(dir.resolve("default.yaml"), base)), ServerConfig.EMPTY);
        assertThat(plain.monitorTls()).isTrue();
        assertThat(RoleCatalog.command(plain, "monitor"))
                .containsSubsequence("--pki-dir", plain.dataDir().resolve("pki").toString())
                .containsSubsequence("--gateway-certificate-days", "30")
                .doesNotContain("--insecure-plaintext");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(
                                Files.writeString(dir.resolve("off.yaml"), base + "monitor:\n  tls: false\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("monitor.insecure-plaintext");
        ServerSettings lab = ServerSettings.resolve(
                ServerConfig.read(Files.writeString(
                        dir.resolve("lab.yaml"),
                        base + "monitor:\n  insecure-plaintext: true\n  gateway-certificate-days: 7\n")),
                ServerConfig.EMPTY);
        assertThat(lab.monitorTls()).isFalse();
        assertThat(RoleCatalog.command(lab, "monitor"))
                .contains("--insecure-plaintext")
                .doesNotContain("--pki-dir");
        ServerSettings week = ServerSettings.resolve(
                ServerConfig.read(Files.writeString(
                        dir.resolve("week.yaml"), base + "monitor:\n  gateway-certificate-days: 7\n")),
                ServerConfig.EMPTY);
        assertThat(RoleCatalog.command(week, "monitor")).containsSubsequence("--gateway-certificate-days", "7");
    }

    @Test
    void theWebRefusesPlainHttpOffLoopbackUnlessTlsAProxyOrAnExplicitChoice() throws Exception {
        String base = "roles: [web]\nweb:\n  listen: 0.0.0.0:8080\n";
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(dir.resolve("plain.yaml"), base)), ServerConfig.EMPTY))
                .hasMessageContaining("web.listen")
                .hasMessageContaining("refusing plain HTTP");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("http.yaml"), base + "  public-url: http://sluice.example.com\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("refusing plain HTTP");
        ServerSettings proxied = ServerSettings.resolve(
                ServerConfig.read(Files.writeString(
                        dir.resolve("proxy.yaml"), base + "  public-url: https://sluice.example.com\n")),
                ServerConfig.EMPTY);
        assertThat(RoleCatalog.command(proxied, "web"))
                .containsSubsequence("--public-url", "https://sluice.example.com");
        ServerSettings lab = ServerSettings.resolve(
                ServerConfig.read(Files.writeString(dir.resolve("lab.yaml"), base + "  allow-plaintext: true\n")),
                ServerConfig.EMPTY);
        assertThat(RoleCatalog.command(lab, "web")).contains("--allow-plaintext");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("half.yaml"), base + "  tls:\n    certificate: /nonexistent/web.crt\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("web.tls");
    }

    @Test
    void flagsWinOverTheFileAndDefaultsFillTheRest() throws Exception {
        ServerConfig file = ServerConfig.read(exampleWithLocalFiles());
        ServerConfig flags = new ServerConfig(
                "lab",
                null,
                null,
                null,
                null,
                null,
                List.of("monitor", "db"),
                null,
                ServerConfig.Monitor.builder("127.0.0.1:9000", 250L, null)
                        .maxVolumesPerGateway(64)
                        .build(),
                null,
                null,
                null);
        ServerSettings s = ServerSettings.resolve(file, flags);
        assertThat(s.name()).isEqualTo("lab");
        assertThat(s.monitorListen()).isEqualTo("127.0.0.1:9000");
        assertThat(s.pollIntervalMillis()).isEqualTo(250);
        assertThat(s.missLimit()).as("from the file").isEqualTo(3);
        assertThat(s.roles()).as("always in start order").containsExactly("db", "monitor");
        assertThat(s.volumeLimits().perGateway()).as("from the flags").isEqualTo(64);

        Path secret = PrivateFiles.writeSecret(dir.resolve("s2"), "0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        ServerSettings defaults = ServerSettings.resolve(
                ServerConfig.EMPTY,
                new ServerConfig(null, null, null, null, secret.toString(), null, null, null, null, null, null, null));
        assertThat(defaults.webListen()).isEqualTo("127.0.0.1:8080");
        assertThat(defaults.runDir()).isEqualTo(defaults.dataDir().resolve("run"));
        assertThat(defaults.jdbcUrl()).isNull();
        assertThat(defaults.volumeLimits()).isEqualTo(ServerSettings.VolumeLimits.DEFAULT);
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(
                                Files.writeString(dir.resolve("a.yaml"), "monitor:\n  poll-intervall-ms: 5\n")),
                        ServerConfig.EMPTY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poll-intervall-ms");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(dir.resolve("b.yaml"), "roles: [db, cache]\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("roles");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(
                                Files.writeString(dir.resolve("c.yaml"), "roles: [db]\nweb:\n  listen: nowhere\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("web.listen");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(dir.resolve("d.yaml"), "roles: [monitor]\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("secret-file");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("f.yaml"), "roles: [db]\nmonitor:\n  max-volumes-per-gateway: 5000\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("monitor.max-volumes-per-gateway");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("g.yaml"), "roles: [db]\nservices:\n  volume-expiry-ms: 10\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("services.volume-expiry-ms");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("h.yaml"), "roles: [db]\nmonitor:\n  shared-volumes:\n    lun7: [0]\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("monitor.shared-volumes.lun7");
        assertThatThrownBy(() -> ServerSettings.resolve(
                        ServerConfig.read(Files.writeString(
                                dir.resolve("i.yaml"), "roles: [db]\nmonitor:\n  shared-volumes:\n    lun7: []\n")),
                        ServerConfig.EMPTY))
                .hasMessageContaining("monitor.shared-volumes.lun7");
        assertThatThrownBy(() -> ServerConfig.read(Files.writeString(dir.resolve("e.yaml"), "name: [unclosed\n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("e.yaml");
    }

    private ServerConfig database(String url, Boolean insecure) {
        return new ServerConfig(
                null,
                dir.resolve("data").toString(),
                null,
                null,
                null,
                null,
                List.of("db"),
                null,
                null,
                null,
                new ServerConfig.Database(url, null, null, insecure, null),
                null);
    }

    @Test
    void aPostgresqlServerOnAnotherHostNeedsAVerifiedTlsLinkUnlessTheOperatorAcceptsAnInsecureOne() throws Exception {
        for (String url : new String[] {
            "jdbc:postgresql://db.example:5432/sluice",
            "jdbc:postgresql://10.0.0.5/sluice?sslmode=require",
            "jdbc:postgresql://127.0.0.1,db.example:5432/sluice",
            "jdbc:postgresql://[2001:db8::1]:5432/sluice?sslmode=verify-ca"
        }) {
            assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.EMPTY, database(url, null)))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("database.jdbc-url")
                    .hasMessageContaining("sslmode=verify-full")
                    .hasMessageContaining("database.insecure-link: true");
        }
        assertThat(ServerSettings.resolve(
                                ServerConfig.EMPTY, database("jdbc:postgresql://db.example:5432/sluice", true))
                        .jdbcInsecureLink())
                .isTrue();
        ServerSettings insecure =
                ServerSettings.resolve(ServerConfig.EMPTY, database("jdbc:postgresql://db.example/sluice", true));
        assertThat(RoleCatalog.command(insecure, "db")).contains("--insecure-database-link");
        for (String url : new String[] {
            "jdbc:postgresql://db.example:5432/sluice?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            "jdbc:postgresql://127.0.0.1:5432/sluice",
            "jdbc:postgresql://localhost/sluice",
            "jdbc:postgresql://[::1]:5432/sluice",
            "jdbc:postgresql:sluice",
            "jdbc:h2:file:/var/lib/sluice/db/sluice"
        }) {
            assertThat(ServerSettings.resolve(ServerConfig.EMPTY, database(url, null))
                            .jdbcUrl())
                    .isEqualTo(url);
        }
        Path yaml = Files.writeString(dir.resolve("insecure.yaml"), """
                roles: [db]
                database:
                  jdbc-url: jdbc:postgresql://db.example:5432/sluice
                  insecure-link: true
                """);
        assertThat(ServerSettings.resolve(ServerConfig.read(yaml), ServerConfig.EMPTY)
                        .jdbcInsecureLink())
                .isTrue();
    }

    @Test
    void theHistoryLayoutIsRowsUnlessTheDatabaseSectionSaysMinuteRowsAndAnythingElseIsRefused() throws Exception {
        ServerSettings plain = ServerSettings.resolve(ServerConfig.EMPTY, database(null, null));
        assertThat(plain.historyLayout()).isEqualTo(HistoryLayout.ROWS);
        assertThat(RoleCatalog.command(plain, "db")).doesNotContain("--history-layout");
        Path yaml = Files.writeString(dir.resolve("minute-rows.yaml"), """
                roles: [db]
                database:
                  history-layout: minute-rows
                """);
        ServerSettings minuteRows = ServerSettings.resolve(ServerConfig.read(yaml), ServerConfig.EMPTY);
        assertThat(minuteRows.historyLayout()).isEqualTo(HistoryLayout.MINUTE_ROWS);
        assertThat(RoleCatalog.command(minuteRows, "db")).containsSequence("--history-layout", "minute-rows");
        Path bad = Files.writeString(dir.resolve("bad-layout.yaml"), """
                roles: [db]
                database:
                  history-layout: columns
                """);
        assertThatThrownBy(() -> ServerSettings.resolve(ServerConfig.read(bad), ServerConfig.EMPTY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database.history-layout")
                .hasMessageContaining("columns");
    }

    @Test
    void theExamplesHaSectionMakesAPairServerWhoseMonitorAndWebFollowTheLease() throws Exception {
        Path example = exampleWithLocalFiles();
        String yaml = Files.readString(example)
                .replace("# ha:", "ha:")
                .replace("#   advertise:", "  advertise:")
                .replace("#   lease-duration-ms: 5000", "  lease-duration-ms: 6000");
        ServerSettings s =
                ServerSettings.resolve(ServerConfig.read(Files.writeString(example, yaml)), ServerConfig.EMPTY);
        assertThat(s.ha().advertise()).isEqualTo("sla-a.example.com:7070");
        assertThat(s.ha().lease().holder()).isEqualTo("sla-a.example.com:7070");
        assertThat(s.ha().lease().durationMillis()).isEqualTo(6_000);
        assertThat(s.ha().lease().safetyMarginMillis()).isEqualTo(3_000);
        assertThat(s.ha().lease().retryEveryMillis()).isEqualTo(1_000);
        assertThat(RoleCatalog.monitorCommand(s, true, 0, "sla-b.example.com:7070"))
                .containsSubsequence("--standby-of", "sla-b.example.com:7070")
                .doesNotContain("--epoch");
        assertThat(RoleCatalog.monitorCommand(s, true, 0, null))
                .contains("--standby")
                .doesNotContain("--standby-of");
        assertThat(RoleCatalog.monitorCommand(s, false, 7, null))
                .containsSubsequence("--epoch", "7")
                .doesNotContain("--standby");
        assertThat(RoleCatalog.command(s, "web"))
                .containsSubsequence(
                        "--pair-status", s.runDir().resolve("status.json").toString());

        ServerSettings alone = ServerSettings.resolve(ServerConfig.read(exampleWithLocalFiles()), ServerConfig.EMPTY);
        assertThat(alone.ha()).as("without the section: a server on its own").isNull();
        assertThat(RoleCatalog.command(alone, "web")).doesNotContain("--pair-status");
        assertThat(RoleCatalog.command(alone, "monitor")).doesNotContain("--epoch", "--standby", "--standby-of");
    }

    @Test
    void aPairNeedsPostgresqlAnAdvertisedAddressAndSaneLeaseTiming() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        String base = "secret-file: " + secret + "\ndata-dir: " + dir.resolve("data") + "\n";
        String pg = "database:\n  jdbc-url: jdbc:postgresql://127.0.0.1:5432/sluice\n";
        assertThatThrownBy(() -> resolve(base + "ha:\n  advertise: a:7070\n"))
                .hasMessageContaining("ha: needs database.jdbc-url on PostgreSQL");
        assertThatThrownBy(() -> resolve(base + pg + "ha:\n  lease-duration-ms: 5000\n"))
                .hasMessageContaining("ha.advertise: required");
        assertThatThrownBy(() -> resolve(base + pg + "ha:\n  advertise: nohostport\n"))
                .hasMessageContaining("ha.advertise: HOST:PORT");
        assertThatThrownBy(() -> resolve(base + pg + "ha:\n  advertise: a:7070\n  safety-margin-ms: 6000\n"))
                .hasMessageContaining("ha: lease timing");
        assertThatThrownBy(() -> resolve(base + pg + "roles: [db, web]\nha:\n  advertise: a:7070\n"))
                .hasMessageContaining("ha: a server in a pair runs at least the db and monitor roles");
        assertThat(resolve(base + pg + "ha:\n  advertise: a:7070\n")
                        .ha()
                        .lease()
                        .durationMillis())
                .isEqualTo(5_000);
    }

    private ServerSettings resolve(String yaml) throws Exception {
        return ServerSettings.resolve(
                ServerConfig.read(Files.writeString(dir.resolve("pair.yaml"), yaml)), ServerConfig.EMPTY);
    }
}
