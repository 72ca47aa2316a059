package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.PrivateFiles;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.WebTestBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A server in a pair: {@code /metrics} exports the role, the holder and the epoch from the supervisor's status.json
 * (the web's {@code --pair-status}), as the supervisor rewrites it at a takeover.
 */
class PairMetricsTest extends WebTestBase {
    private Path statusFile;

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        statusFile = mailboxDir.resolve("status.json");
        try {
            supervisorWrites("active", "sla-a:7070", 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return super.context(mailboxDir, serverName).withPairStatus(statusFile);
    }

    private void supervisorWrites(String role, String holder, long epoch) throws IOException {
        PrivateFiles.writeSecret(
                statusFile,
                ("{\"supervisorPid\": 1, \"roles\": [], \"ha\": {\"role\": \"" + role
                                + "\", \"self\": \"sla-a:7070\", \"holder\": \"" + holder + "\", \"epoch\": " + epoch
                                + ", \"leaseState\": \"" + role.toUpperCase(Locale.ROOT) + "\"}}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private String scrape() {
        return api.get("/metrics", Credentials.token(viewerToken)).body();
    }

    @Test
    void metricsFollowTheSupervisorsPairStatus() throws Exception {
        // The harness set the server up while it was active; now as if the supervisor had written nothing yet.
        Files.deleteIfExists(statusFile);
        assertThat(scrape())
                .as("nothing written yet: no pair series rather than wrong ones")
                .doesNotContain("sluice_pair_active ")
                .doesNotContain("sluice_pair_info{");

        supervisorWrites("standby", "sla-b:7070", 4);
        assertThat(scrape())
                .contains("sluice_pair_active 0.0")
                .contains("sluice_pair_epoch 4.0")
                .contains("sluice_pair_info{holder=\"sla-b:7070\",role=\"standby\",self=\"sla-a:7070\"} 1");

        supervisorWrites("active", "sla-a:7070", 5);
        assertThat(scrape())
                .contains("sluice_pair_active 1.0")
                .contains("sluice_pair_epoch 5.0")
                .contains("sluice_pair_info{holder=\"sla-a:7070\",role=\"active\",self=\"sla-a:7070\"} 1")
                .doesNotContain("role=\"standby\"");
    }
}
