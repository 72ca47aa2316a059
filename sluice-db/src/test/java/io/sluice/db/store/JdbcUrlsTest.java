package io.sluice.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.db.DbContext;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
    @Test
    void passwordsAreRedactedWhereverTheUrlCarriesThem() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://db:5432/sluice?user=sluice&password=s3cret&sslmode=verify-full"))
                .isEqualTo("jdbc:postgresql://db:5432/sluice?user=sluice&password=***&sslmode=verify-full");
        assertThat(JdbcUrls.redact("jdbc:postgresql://db/sluice?PASSWORD=s3cret"))
                .doesNotContain("s3cret");
        assertThat(JdbcUrls.redact("jdbc:h2:file:/x/db;USER=sa;PASSWORD=s3cret;MODE=PostgreSQL"))
                .isEqualTo("jdbc:h2:file:/x/db;USER=sa;PASSWORD=***;MODE=PostgreSQL");
        assertThat(JdbcUrls.redact("jdbc:postgresql://sluice:s3cret@db:5432/sluice"))
                .isEqualTo("jdbc:postgresql://sluice:***@db:5432/sluice");
        assertThat(JdbcUrls.redact("jdbc:postgresql://127.0.0.1:5432/sluice"))
                .isEqualTo("jdbc:postgresql://127.0.0.1:5432/sluice");
        assertThatThrownBy(() -> Engine.of("jdbc:mysql://db/x?password=s3cret")).hasMessageNotContaining("s3cret");
    }

    @Test
    void onlyAVerifiedTlsLinkReachesAnotherHostUnlessInsecureIsAllowed() {
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://db.example:5432/sluice", false))
                .contains("db.example")
                .contains("does not ask for TLS")
                .contains("sslmode=verify-full");
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://db.example/sluice?sslmode=require", false))
                .contains("sslmode=require does not verify");
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://127.0.0.2:5432,10.1.1.1:5432/sluice", false))
                .contains("10.1.1.1")
                .doesNotContain("127.0.0.2");
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://[fe80::1]/sluice", false))
                .isNotNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://user:pw@db.example/sluice", false))
                .doesNotContain("pw@");
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://999.1.1.1/sluice", false))
                .as("not an address: a name")
                .isNotNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://db.example/sluice?ssl=true&sslmode=VERIFY-FULL", false))
                .isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://db.example/sluice", true))
                .isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://127.0.0.1:5432/sluice", false))
                .isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://localhost/sluice", false))
                .isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql://[::1]:5432/sluice", false))
                .isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql:///sluice", false)).isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:postgresql:sluice", false)).isNull();
        assertThat(JdbcUrls.linkProblem("jdbc:h2:file:/var/lib/sluice/db/sluice", false))
                .isNull();
    }

    @Test
    void theDatabaseManagerRefusesAnUnverifiedRemoteLinkAtStart() {
        assertThatThrownBy(() -> DbContext.builder()
                        .dataDir(Path.of("data"))
                        .jdbcUrl("jdbc:postgresql://db.example/sluice")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sslmode=verify-full");
        assertThat(DbContext.builder()
                        .dataDir(Path.of("data"))
                        .jdbcUrl("jdbc:postgresql://db.example/sluice")
                        .insecureLink(true)
                        .build()
                        .jdbcUrl())
                .isEqualTo("jdbc:postgresql://db.example/sluice");
    }
}
