package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** What a failure inside the server tells a client: nothing of the failure, only where the log keeps it. */
class ProblemDisclosureTest extends WebTestBase {
    private static final String DATABASE_TEXT = "org.postgresql.util.PSQLException: relation \"users\" at "
            + "jdbc:postgresql://db.internal:5432/sluice?password=hunter2";

    @Test
    void aDatabaseErrorReachesAnAnonymousClientOnlyAsACorrelationIdThatTheLogKeeps() {
        Logger log = Logger.getLogger(WebServer.class.getName());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        ((InMemoryBackend) backend).failDb("user.get", DATABASE_TEXT);
        try {
            ApiClient.Response r = api.post(
                    "/api/session", Map.of("login", "anyone", "password", "some password here"), Credentials.NONE);
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.body())
                    .doesNotContain("hunter2")
                    .doesNotContain("jdbc")
                    .doesNotContain("PSQLException")
                    .doesNotContain("db.internal");
            String id = r.json().path("correlationId").asText();
            assertThat(id).hasSize(16);
            assertThat(r.json().path("detail").asText()).contains(id);
            assertThat(logged).anyMatch(line -> line.contains(id) && line.contains(DATABASE_TEXT));
        } finally {
            ((InMemoryBackend) backend).failDb("user.get", null);
            log.removeHandler(capture);
        }
        assertThat(api.post("/api/session", Map.of("login", "viewer", "password", PASSWORD), Credentials.NONE)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void clientErrorsStillSayWhatWasWrong() {
        ApiClient.Response r = api.post("/api/slas", Map.of("name", "../x"), operator);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("field").asText()).isEqualTo("name");
        assertThat(r.json().has("correlationId")).isFalse();
    }
}
