package io.sluice.web.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.sse.SseClient;
import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.BackoffIdleStrategy;
import io.sluice.common.EpochClock;
import io.sluice.common.PeriodicStep;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.JsonBodies;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * One poller for every viewer: each interval it asks the SLA services for the live volumes, groups and compliance,
 * keeps the answer for {@code /metrics} and pushes it to every SSE client as one {@code live} event (or an
 * {@code unavailable} event while the services are away). The cost to the services is therefore the same for one viewer
 * and for a hundred.
 */
public final class LiveFeed implements Agent, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LiveFeed.class.getName());
    private static final int MAX_CLIENTS = 500;
    /** How often the feed's thread looks whether a tick is due: ticks start within this of their time. */
    private static final long LOOK_NANOS = 10_000_000;

    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final long intervalMillis;
    /** An open stream and whose it is ({@code session:<id>} or {@code token:<name>}). */
    private record Viewer(SseClient client, String owner) {}

    private final List<Viewer> clients = new CopyOnWriteArrayList<>();
    private final Predicate<String> ownerStillValid;
    private final AtomicReference<JsonNode> latest = new AtomicReference<>();
    private final AgentRunner runner;
    /** The next tick: the first at once, then an interval after the last one started. */
    private final PeriodicStep ticks;

    /**
     * @param ownerStillValid asked each interval of every stream's owner; a stream whose owner is no longer valid (a
     *     session that expired) is closed
     */
    public LiveFeed(RoleCalls calls, JsonBodies bodies, long intervalMillis, Predicate<String> ownerStillValid) {
        this.calls = calls;
        this.ownerStillValid = ownerStillValid;
        this.bodies = bodies;
        this.intervalMillis = intervalMillis;
        this.ticks = new PeriodicStep(intervalMillis, Long.MIN_VALUE);
        this.runner = new AgentRunner(this, BackoffIdleStrategy.fixedPause(LOOK_NANOS), EpochClock.system());
    }

    public LiveFeed start() {
        runner.start();
        return this;
    }

    /** The last snapshot ({@code {"at", "volumes", "groups", "compliance"}}), or null before the first. */
    public JsonNode latest() {
        return latest.get();
    }

    /**
     * Called on the SSE request's thread: registers the client, owned by {@code owner} (whose end ends the stream, see
     * {@link #end}), and keeps the request open.
     */
    public void join(SseClient client, String owner) {
        if (clients.size() >= MAX_CLIENTS) {
            client.sendEvent("unavailable", "{\"detail\":\"too many live viewers\"}");
            client.close();
            return;
        }
        Viewer viewer = new Viewer(client, owner);
        client.keepAlive();
        client.onClose(() -> clients.remove(viewer));
        clients.add(viewer);
        JsonNode now = latest.get();
        if (now != null) {
            client.sendEvent("live", bodies.text(now));
        }
    }

    /** A tick when one is due, an interval after the last one started. */
    @Override
    public int doWork(long nowMillis) {
        if (!ticks.due(nowMillis)) {
            return 0;
        }
        tick();
        return 1;
    }

    @Override
    public String roleName() {
        return "web-live-feed";
    }

    void tick() {
        String event;
        String data;
        try {
            ObjectNode snapshot = calls.args();
            JsonNode volumes = calls.services("live.volumes", "system:web", calls.args());
            snapshot.put("at", volumes.path("at").asLong());
            snapshot.put("intervalMillis", volumes.path("intervalMillis").asLong(intervalMillis));
            snapshot.set("volumes", volumes.path("items"));
            snapshot.set(
                    "groups",
                    calls.services("live.groups", "system:web", calls.args()).path("items"));
            snapshot.set(
                    "compliance",
                    calls.services("compliance.live", "system:web", calls.args())
                            .path("items"));
            latest.set(snapshot);
            event = "live";
            data = bodies.text(snapshot);
        } catch (ApiProblem e) {
            latest.set(null);
            event = "unavailable";
            // Our own words say which process is away; another process's failure text stays in the log.
            boolean ours = e.status() == 503 || e.status() == 504;
            if (!ours) {
                LOG.log(System.Logger.Level.WARNING, "live feed: " + e.getMessage());
            }
            data = bodies.text(
                    Map.of("detail", ours ? String.valueOf(e.detail()) : "the SLA services failed; see the web log"));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "live feed tick failed", e);
            return;
        }
        for (Viewer viewer : clients) {
            if (viewer.client().terminated()) {
                clients.remove(viewer);
                continue;
            }
            if (!ownerStillValid.test(viewer.owner())) {
                close(viewer);
                continue;
            }
            try {
                viewer.client().sendEvent(event, data);
            } catch (RuntimeException e) {
                clients.remove(viewer);
            }
        }
    }

    /**
     * Closes every stream {@code owner} opened, at once: a signed-out session, a revoked token or a changed user must
     * not go on receiving what it no longer may see.
     */
    public void end(String owner) {
        for (Viewer viewer : clients) {
            if (viewer.owner().equals(owner)) {
                close(viewer);
            }
        }
    }

    private void close(Viewer viewer) {
        clients.remove(viewer);
        try {
            viewer.client().close();
        } catch (RuntimeException e) {
            // The connection is already gone: nothing left to end.
        }
    }

    public int clientCount() {
        return clients.size();
    }

    /** Ends every open stream; must run while the HTTP server still runs, so the responses can complete. */
    public void disconnectAll() {
        for (Viewer viewer : clients) {
            close(viewer);
        }
    }

    @Override
    public void close() {
        runner.closeKeepingInterrupt();
    }
}
