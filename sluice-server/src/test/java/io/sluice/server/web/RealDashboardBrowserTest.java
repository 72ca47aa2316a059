package io.sluice.server.web;

import io.sluice.web.DashboardBrowserTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The dashboard in Chromium against the real database manager and SLA services, volume 7 reporting steadily. */
class RealDashboardBrowserTest extends DashboardBrowserTest {
    private SteadyGatewayReports reports;

    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }

    @BeforeAll
    void startReporting() {
        reports = new SteadyGatewayReports(backend, 1, 7, RealBackend.INTERVAL_MILLIS);
    }

    @AfterAll
    void stopReporting() throws InterruptedException {
        if (reports != null) {
            reports.close();
        }
    }
}
