package io.sluice.server.web;

import io.sluice.web.ApiBehaviourTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;

/** CSRF, hostile bodies, versions, headers and the API document against the real database manager and SLA services. */
class RealApiBehaviourTest extends ApiBehaviourTest {
    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }
}
