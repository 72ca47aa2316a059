package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.OperatorMonitoringTest;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shipped dashboard and alert rules against a scrape of the real database manager, SLA services and monitor, with
 * the volume's gateway reporting steadily: every series they use is served for real, and {@code promtool check metrics}
 * finds nothing to lint on it.
 */
@Tag("system")
class RealOperatorMonitoringTest extends OperatorMonitoringTest {
    private SteadyGatewayReports reports;

    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }

    @BeforeAll
    void startReporting() {
        reports = new SteadyGatewayReports(backend, GATEWAY_ID, VOLUME_ID, RealBackend.INTERVAL_MILLIS);
    }

    @Test
    void theRealRolesServeTheSeriesTheAlertsWatch() throws InterruptedException {
        assertThat(scrape())
                .contains("sluice_db_degraded 0.0")
                .contains("sluice_capacity_time_until_full_seconds{backend=\"gateway-" + GATEWAY_ID + "\"} +Inf")
                .contains("sluice_process_start_time_seconds{process=\"db\"}")
                .contains("sluice_process_start_time_seconds{process=\"services\"}")
                .contains("sluice_process_start_time_seconds{process=\"monitor\"}")
                .contains("sluice_monitor{counter=\"registryUnusable\"} 0.0");
    }

    /** The series SluiceRoleRestarted watches moves when the services are replaced, and only theirs. */
    @Test
    void aRestartedRoleShowsANewStartTime() throws InterruptedException {
        scrape();
        double servicesBefore = startTime("services");
        double dbBefore = startTime("db");
        ((RealBackend) backend).restartServices();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (startTime("services") <= servicesBefore) {
            assertThat(System.nanoTime())
                    .as("waiting for the restarted services' start time on /metrics")
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
        assertThat(startTime("db")).isEqualTo(dbBefore);
    }

    /** The role's sluice_process_start_time_seconds on a fresh scrape; 0 while it has no live process. */
    private double startTime(String role) {
        String needle = "sluice_process_start_time_seconds{process=\"" + role + "\"} ";
        for (String line :
                api.get("/metrics", Credentials.token(viewerToken)).body().split("\n")) {
            if (line.startsWith(needle)) {
                return Double.parseDouble(line.substring(needle.length()).trim());
            }
        }
        return 0;
    }

    @AfterAll
    void stopReporting() throws InterruptedException {
        if (reports != null) {
            reports.close();
        }
    }
}
