package io.sluice.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.ServerMailboxes;
import io.sluice.web.call.CalleeLink;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.http.JsonBodies;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live feed as an agent driven by hand: a tick once per interval of the time it is given, and none between. */
class LiveFeedTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long INTERVAL = 1_000;

    @TempDir
    Path dir;

    private InMemoryBackend backend;
    private CalleeLink db;
    private CalleeLink services;
    private LiveFeed feed;

    @BeforeEach
    void start() {
        backend = new InMemoryBackend(dir, "live-feed-test");
        JsonBodies bodies = new JsonBodies();
        db = link("db", ServerMailboxes.DB_SUFFIX);
        services = link("services", ServerMailboxes.SERVICES_QUERIES_SUFFIX);
        // Never started: the test is its thread.
        feed = new LiveFeed(new RoleCalls(bodies.mapper(), db, services), bodies, INTERVAL, owner -> true);
    }

    @AfterEach
    void stop() {
        feed.close();
        db.close();
        services.close();
        backend.close();
    }

    @Test
    void ticksOncePerIntervalOfItsClockAndKeepsTheLastSnapshot() {
        assertThat(feed.latest()).isNull();
        assertThat(feed.doWork(T0)).as("the first turn ticks at once").isEqualTo(1);
        assertThat(feed.latest().has("volumes")).isTrue();
        assertThat(feed.latest().has("compliance")).isTrue();
        assertThat(feed.doWork(T0 + 1)).isZero();
        assertThat(feed.doWork(T0 + INTERVAL - 1)).isZero();
        assertThat(feed.doWork(T0 + INTERVAL)).isEqualTo(1);
        assertThat(feed.doWork(T0 + INTERVAL + 500)).isZero();
        assertThat(feed.doWork(T0 + 2 * INTERVAL)).isEqualTo(1);
    }

    @Test
    void servicesThatGoAwayLeaveNoStaleSnapshot() {
        assertThat(feed.doWork(T0)).isEqualTo(1);
        assertThat(feed.latest()).isNotNull();
        backend.stopServices();
        assertThat(feed.doWork(T0 + INTERVAL)).isEqualTo(1);
        assertThat(feed.latest()).as("unavailable, not the last good answer").isNull();
    }

    private CalleeLink link(String role, String suffix) {
        return new CalleeLink(
                role,
                ServerMailboxes.file(backend.mailboxDir(), backend.serverName(), suffix),
                ServerMailboxes.CALLER_WEB,
                Duration.ofSeconds(2));
    }
}
