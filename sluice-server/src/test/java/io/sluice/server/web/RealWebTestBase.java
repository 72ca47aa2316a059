package io.sluice.server.web;

import io.sluice.web.harness.Backend;
import io.sluice.web.harness.WebTestBase;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * A web role in front of the real database manager, SLA services and monitor ({@link RealBackend}), with the call
 * timeout those processes need; for tests that exist only against the real roles.
 */
@Tag("system")
abstract class RealWebTestBase extends WebTestBase {
    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }
}
