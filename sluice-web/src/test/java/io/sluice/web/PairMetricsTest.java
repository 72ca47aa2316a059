package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.SupervisorStatus;
import io.sluice.web.harness.WebTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A server in a pair: {@code /metrics} exports the role, the holder and the epoch from the supervisor's status.json
 * (the web's {@code --pair-status}), as the supervisor rewrites it at a takeover.
 */
class PairMetricsTest extends WebTestBase {
    private SupervisorStatus supervisor;

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        supervisor = new SupervisorStatus(mailboxDir.resolve("status.json"), "sla-a:7070");
        supervisor.write("active", "sla-a:7070", 1);
        return super.context(mailboxDir, serverName).withPairStatus(supervisor.file());
    }

    private String scrape() {
        return api.get("/metrics", Credentials.token(viewerToken)).body();
    }

    @Test
    void metricsFollowTheSupervisorsPairStatus() throws Exception {
        // The harness set the server up while it was active; now as if the supervisor had written nothing yet.
        Files.deleteIfExists(supervisor.file());
        assertThat(scrape())
                .as("nothing written yet: no pair series rather than wrong ones")
                .doesNotContain("sluice_pair_active ")
                .doesNotContain("sluice_pair_info{");

        supervisor.write("standby", "sla-b:7070", 4);
        assertThat(scrape())
                .contains("sluice_pair_active 0.0")
                .contains("sluice_pair_epoch 4.0")
                .contains("sluice_pair_info{holder=\"sla-b:7070\",role=\"standby\",self=\"sla-a:7070\"} 1");

        supervisor.write("active", "sla-a:7070", 5);
        assertThat(scrape())
                .contains("sluice_pair_active 1.0")
                .contains("sluice_pair_epoch 5.0")
                .contains("sluice_pair_info{holder=\"sla-a:7070\",role=\"active\",self=\"sla-a:7070\"} 1")
                .doesNotContain("role=\"standby\"");
    }
}
