package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.db.store.Database;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link the database manager opens when its URL asks for TLS: the real PostgreSQL (TLS on, its certificate for
 * localhost and 127.0.0.1) shows the session encrypted, and a server whose certificate the given root did not sign is
 * refused before any query.
 */
@Tag("system")
class PostgresTlsTest {
    @TempDir
    Path dir;

    @Test
    void aVerifiedTlsLinkIsEncryptedAndAServerFromAnotherCaIsRefused() throws Exception {
        Path certificate = TestDatabase.tlsCertificate();
        try (TestDatabase test = TestDatabase.postgres()) {
            String url = test.url() + "?sslmode=verify-full&sslrootcert=" + certificate;
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(url)
                    .jdbcUser(test.user())
                    .jdbcPassword(test.password())
                    .build();
            try (Database database =
                    Database.open(context.jdbcUrl(), context.jdbcUser(), context.jdbcPassword(), 2, 5_000)) {
                String link = database.inTransaction(c -> {
                    try (Statement s = c.createStatement();
                            ResultSet r = s.executeQuery(
                                    "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                        r.next();
                        return r.getBoolean(1) + " " + r.getString(2);
                    }
                });
                assertThat(link).as("pg_stat_ssl of the manager's own session").startsWith("true TLSv1.");
            }

            Path otherRoot = dir.resolve("other-ca.pem");
            Process openssl = new ProcessBuilder(
                            "openssl",
                            "req",
                            "-x509",
                            "-newkey",
                            "ec",
                            "-pkeyopt",
                            "ec_paramgen_curve:P-256",
                            "-nodes",
                            "-days",
                            "1",
                            "-subj",
                            "/CN=localhost",
                            "-addext",
                            "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            "-keyout",
                            dir.resolve("other-ca.key").toString(),
                            "-out",
                            otherRoot.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl.out").toFile())
                    .start();
            assertThat(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0)
                    .as("openssl made another root")
                    .isTrue();
            assertThatThrownBy(() -> DriverManager.getConnection(
                                    test.url() + "?sslmode=verify-full&sslrootcert=" + otherRoot,
                                    test.user(),
                                    test.password())
                            .close())
                    .as("the same server, not signed by the root given")
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("SSL");
        }
    }
}
