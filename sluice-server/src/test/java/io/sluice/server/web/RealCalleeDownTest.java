package io.sluice.server.web;

import io.sluice.web.CalleeDownTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/** 503s, not hangs, when the real SLA services and then the real database manager stop. */
@Tag("system")
class RealCalleeDownTest extends CalleeDownTest {
    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }
}
