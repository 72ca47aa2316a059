package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A bearer token the database does not know costs one database call, not one per request. */
class UnknownTokenCacheTest extends WebTestBase {
    private final ManualEpochClock clock = new ManualEpochClock(System.currentTimeMillis());

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        return super.context(mailboxDir, serverName).withClock(clock);
    }

    @Test
    void anUnknownTokenIsAskedForOnceUntilItsShortCacheExpires() {
        InMemoryBackend db = (InMemoryBackend) backend;
        Credentials stranger = Credentials.token("slc_never-issued-" + System.nanoTime());
        int before = db.dbCalls("token.find");
        for (int i = 0; i < 20; i++) {
            assertThat(api.get("/api/slas", stranger).status()).isEqualTo(401);
        }
        assertThat(db.dbCalls("token.find") - before).isEqualTo(1);

        clock.advance(10_000);
        assertThat(api.get("/api/slas", stranger).status()).isEqualTo(401);
        assertThat(db.dbCalls("token.find") - before)
                .as("asked again once the entry expired")
                .isEqualTo(2);

        // Known tokens are unaffected.
        assertThat(api.get("/api/slas", Credentials.token(viewerToken)).status())
                .isEqualTo(200);
    }
}
