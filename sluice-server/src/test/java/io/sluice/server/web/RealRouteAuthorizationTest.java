package io.sluice.server.web;

import io.sluice.web.RouteAuthorizationTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Every route as every role against the real database manager and SLA services: no route may fail for a reason other
 * than the role.
 */
@Tag("system")
class RealRouteAuthorizationTest extends RouteAuthorizationTest {
    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }
}
