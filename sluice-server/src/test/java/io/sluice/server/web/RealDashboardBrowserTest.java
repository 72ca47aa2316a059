package io.sluice.server.web;

import io.sluice.web.DashboardBrowserTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The dashboard in Chromium against the real database manager and SLA services, with volume 7's history stored and its
 * gateway reporting steadily.
 */
@Tag("system")
class RealDashboardBrowserTest extends DashboardBrowserTest {
    private SteadyGatewayReports reports;

    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }

    /**
     * Ten minutes of stored history that ended three minutes ago (the database manager rolls up only minutes older than
     * its grace period), so the history chart has 1 m points at once; then the gateway reports live.
     */
    @BeforeAll
    void startReporting() throws Exception {
        long minute = 60_000;
        RecordedHistory.appendSeconds(backend, 7, System.currentTimeMillis() / minute * minute - 3 * minute, 600);
        reports = new SteadyGatewayReports(backend, 1, 7, RealBackend.INTERVAL_MILLIS);
    }

    @AfterAll
    void stopReporting() throws InterruptedException {
        if (reports != null) {
            reports.close();
        }
    }
}
