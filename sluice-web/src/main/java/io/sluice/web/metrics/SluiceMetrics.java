package io.sluice.web.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.web.api.HealthApi.MailboxBacklog;
import io.sluice.web.call.CalleeLink;
import io.sluice.web.call.MonitorStatus;
import io.sluice.web.call.PairStatus;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.live.LiveFeed;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code /metrics}: the live feed's latest snapshot (per volume and per SLA), whether each process has a live callee on
 * its mailbox and since when, each mailbox's backlog, gateway counts by state, the database manager's state and the
 * capacity forecasts. Refreshed when scraped, so the series are as fresh as the live feed and cost nothing between
 * scrapes.
 */
public final class SluiceMetrics {
    private static final double WEB_STARTED_SECONDS =
            ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
    private static final double SECONDS_PER_DAY = 86_400;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LiveFeed feed;
    private final RoleCalls calls;
    private final List<CalleeLink> links;
    private final MultiGauge volumeIops;
    private final MultiGauge volumeBandwidth;
    private final MultiGauge volumeLatencyP50;
    private final MultiGauge volumeLatencyP99;
    private final MultiGauge volumeLatencyTarget;
    private final MultiGauge volumeIopsLimit;
    private final MultiGauge volumeState;
    private final MultiGauge slaMet;
    private final MultiGauge slaState;
    private final MultiGauge processUp;
    private final MultiGauge processStart;
    private final MultiGauge mailboxSlots;
    private final MultiGauge gateways;
    private final MultiGauge monitorCounters;
    private final MultiGauge throttleSets;
    private final MultiGauge servicesVolumes;
    private final MultiGauge dbDegraded;
    private final MultiGauge dbSamples;
    private final MultiGauge capacityFull;
    private final MultiGauge pairActive;
    private final MultiGauge pairEpoch;
    private final MultiGauge pairInfo;
    private final PairStatus pair;

    public SluiceMetrics(LiveFeed feed, RoleCalls calls, List<CalleeLink> links) {
        this(feed, calls, links, null);
    }

    /**
     * @param pair the supervisor's status.json for a server in a pair, whose {@code ha} object gives the
     *     {@code sluice_pair_*} series; none for a server on its own (no such series)
     */
    public SluiceMetrics(LiveFeed feed, RoleCalls calls, List<CalleeLink> links, PairStatus pair) {
        this.feed = feed;
        this.calls = calls;
        this.links = links;
        this.pair = pair;
        volumeIops = gauge("sluice.volume.iops", "I/O operations per second in the last interval", null);
        volumeBandwidth = gauge("sluice.volume.bandwidth", "bytes per second in the last interval", "bytes");
        volumeLatencyP50 = gauge("sluice.volume.latency.p50", "median I/O latency in the last interval", "seconds");
        volumeLatencyP99 =
                gauge("sluice.volume.latency.p99", "99th percentile I/O latency in the last interval", "seconds");
        volumeLatencyTarget = gauge("sluice.volume.latency.target", "the SLA's latency objective", "seconds");
        volumeIopsLimit = gauge(
                "sluice.volume.throttle.iops",
                "current throttle level: the IOPS limit the gateway enforces (0 = none)",
                null);
        volumeState = gauge("sluice.volume.compliance", "1 for the volume's current compliance state", null);
        slaMet = gauge("sluice.sla.met.ratio", "share of the last minute's intervals in which the SLA was met", null);
        slaState = gauge("sluice.sla.compliance", "1 for the SLA's current compliance state", null);
        processUp = gauge("sluice.process.up", "1 when a live process serves the role's mailbox", null);
        processStart = gauge(
                "sluice.process.start.time",
                "when the role's live process attached to its mailbox "
                        + "(Unix time): a change means the role was restarted",
                "seconds");
        mailboxSlots = gauge("sluice.mailbox.slots", "mailbox slots by state (backlog: posted and taken)", null);
        gateways = gauge("sluice.gateways", "registered gateways by state", null);
        monitorCounters = gauge(
                "sluice.monitor",
                "the monitor's counters since it started: reports and volume records "
                        + "dropped (the services' mailbox was full), reports lost, frames refused, polls and throttle sets",
                null);
        throttleSets = gauge(
                "sluice.throttle.sets",
                "throttle sets of the SLA services since they started: posted, "
                        + "acked, stored (gateway away), failed (sent again), waiting, in flight",
                null);
        servicesVolumes = gauge(
                "sluice.services.volumes",
                "volumes the SLA services keep state for (tracked), their "
                        + "limit, and since they started: gateway-volume pairs evicted (vanished or silent), new volumes "
                        + "refused over the limit",
                null);
        dbDegraded = gauge(
                "sluice.db.degraded",
                "1 while the database manager cannot store samples in the database "
                        + "(they go to its journal), else 0",
                null);
        dbSamples = gauge(
                "sluice.db.samples",
                "samples of the database manager since it started: buffered, journaled "
                        + "(database unavailable, not yet stored), stored",
                null);
        capacityFull = gauge(
                "sluice.capacity.time.until.full",
                "time until the backend is full at its current growth " + "(+Inf while it is not growing)",
                "seconds");
        pairActive = gauge(
                "sluice.pair.active", "1 while this server holds the pair's lease and acts, 0 while standby", null);
        pairEpoch = gauge(
                "sluice.pair.epoch",
                "the lease's fencing epoch: this server's while active, the holder's as " + "last read while standby",
                null);
        pairInfo = gauge(
                "sluice.pair.info",
                "1, tagged with this server's role (active, standby), its advertised "
                        + "monitor address (self) and the lease's holder",
                null);
    }

    private MultiGauge gauge(String name, String help, String unit) {
        MultiGauge.Builder b = MultiGauge.builder(name).description(help);
        if (unit != null) {
            b.baseUnit(unit);
        }
        return b.register(registry);
    }

    /** The exposition text, after refreshing every series. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    public String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    private synchronized void refresh() {
        JsonNode live = feed.latest();
        List<MultiGauge.Row<?>> iops = new ArrayList<>();
        List<MultiGauge.Row<?>> bw = new ArrayList<>();
        List<MultiGauge.Row<?>> p50 = new ArrayList<>();
        List<MultiGauge.Row<?>> p99 = new ArrayList<>();
        List<MultiGauge.Row<?>> target = new ArrayList<>();
        List<MultiGauge.Row<?>> limit = new ArrayList<>();
        List<MultiGauge.Row<?>> state = new ArrayList<>();
        List<MultiGauge.Row<?>> met = new ArrayList<>();
        List<MultiGauge.Row<?>> slaStates = new ArrayList<>();
        if (live != null) {
            for (JsonNode v : live.path("volumes")) {
                Tags tags = Tags.of(
                        "volume",
                        v.path("volumeId").asText(),
                        "gateway",
                        v.path("gatewayId").asText(),
                        "sla",
                        v.path("sla").asText(""));
                iops.add(MultiGauge.Row.of(tags, v.path("iops").asDouble()));
                bw.add(MultiGauge.Row.of(tags, v.path("bytesPerSec").asDouble()));
                p50.add(MultiGauge.Row.of(tags, v.path("latencyP50Micros").asDouble() / 1e6));
                p99.add(MultiGauge.Row.of(tags, v.path("latencyP99Micros").asDouble() / 1e6));
                target.add(MultiGauge.Row.of(tags, v.path("latencyTargetMicros").asDouble() / 1e6));
                limit.add(MultiGauge.Row.of(tags, v.path("iopsLimit").asDouble()));
                state.add(MultiGauge.Row.of(tags.and("state", v.path("state").asText("NO_SLA")), 1));
            }
            for (JsonNode c : live.path("compliance")) {
                Tags tags = Tags.of(
                        "sla",
                        c.path("sla").asText(),
                        "scope",
                        c.path("scope").path("kind").asText("") + ":"
                                + c.path("scope").path("id").asText(""));
                met.add(MultiGauge.Row.of(tags, c.path("metPercent1m").asDouble() / 100.0));
                slaStates.add(
                        MultiGauge.Row.of(tags.and("state", c.path("state").asText()), 1));
            }
        }
        volumeIops.register(iops, true);
        volumeBandwidth.register(bw, true);
        volumeLatencyP50.register(p50, true);
        volumeLatencyP99.register(p99, true);
        volumeLatencyTarget.register(target, true);
        volumeIopsLimit.register(limit, true);
        volumeState.register(state, true);
        slaMet.register(met, true);
        slaState.register(slaStates, true);

        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> slots = new ArrayList<>();
        List<MultiGauge.Row<?>> started = new ArrayList<>();
        up.add(MultiGauge.Row.of(Tags.of("process", "web"), 1));
        started.add(MultiGauge.Row.of(Tags.of("process", "web"), WEB_STARTED_SECONDS));
        for (CalleeLink link : links) {
            MailboxBacklog b = MailboxBacklog.of(link);
            up.add(MultiGauge.Row.of(Tags.of("process", link.role()), b.calleeAlive() ? 1 : 0));
            attachedSeconds(link).ifPresent(at -> started.add(MultiGauge.Row.of(Tags.of("process", link.role()), at)));
            Tags t = Tags.of("mailbox", link.file().getFileName().toString());
            slots.add(MultiGauge.Row.of(t.and("state", "free"), b.free()));
            slots.add(MultiGauge.Row.of(t.and("state", "posted"), b.posted()));
            slots.add(MultiGauge.Row.of(t.and("state", "taken"), b.taken()));
            slots.add(MultiGauge.Row.of(t.and("state", "done"), b.done()));
        }
        processUp.register(up, true);
        processStart.register(started, true);
        mailboxSlots.register(slots, true);
        gateways.register(gatewayRows(), true);
        monitorCounters.register(monitorRows(), true);
        JsonNode services = servicesStatus();
        throttleSets.register(rows(services.path("throttleSets"), "state"), true);
        servicesVolumes.register(rows(services.path("volumeState"), "state"), true);
        dbRows();
        capacityFull.register(capacityRows(), true);
        pairRows();
    }

    /** A server in a pair: its role, the holder and the epoch, as its supervisor last wrote them. */
    private void pairRows() {
        List<MultiGauge.Row<?>> active = new ArrayList<>();
        List<MultiGauge.Row<?>> epoch = new ArrayList<>();
        List<MultiGauge.Row<?>> info = new ArrayList<>();
        // Not written yet, or unreadable: no series this scrape rather than a wrong one.
        pair.read().ifPresent(ha -> {
            active.add(MultiGauge.Row.of(Tags.empty(), ha.active() ? 1 : 0));
            epoch.add(MultiGauge.Row.of(Tags.empty(), ha.epoch()));
            info.add(MultiGauge.Row.of(Tags.of("role", ha.role(), "self", ha.self(), "holder", ha.holder()), 1));
        });
        pairActive.register(active, true);
        pairEpoch.register(epoch, true);
        pairInfo.register(info, true);
    }

    /** When the newest live callee of the role's mailbox attached, in seconds; empty while none is alive. */
    private static Optional<Double> attachedSeconds(CalleeLink link) {
        OptionalLong newest = link.snapshot()
                .map(s -> s.callees().stream()
                        .filter(MailboxSnapshot.Party::alive)
                        .mapToLong(MailboxSnapshot.Party::attachedAt)
                        .max())
                .orElse(OptionalLong.empty());
        return newest.isPresent() ? Optional.of(newest.getAsLong() / 1000.0) : Optional.empty();
    }

    /** The database manager's state; left out when it cannot answer (sluice_process_up says why). */
    private void dbRows() {
        List<MultiGauge.Row<?>> degraded = new ArrayList<>();
        List<MultiGauge.Row<?>> samples = new ArrayList<>();
        try {
            JsonNode status = calls.db("status", "system:web", calls.args());
            degraded.add(MultiGauge.Row.of(Tags.empty(), status.path("degraded").asBoolean() ? 1 : 0));
            for (String state : List.of("buffered", "journaled", "stored")) {
                JsonNode n = status.path(state + "Samples");
                if (n.isNumber()) {
                    samples.add(MultiGauge.Row.of(Tags.of("state", state), n.asDouble()));
                }
            }
        } catch (ApiProblem e) {
            // Unknown, not healthy: no series rather than a 0.
        }
        dbDegraded.register(degraded, true);
        dbSamples.register(samples, true);
    }

    private List<MultiGauge.Row<?>> capacityRows() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        try {
            for (JsonNode f :
                    calls.services("forecast.list", "system:web", calls.args()).path("items")) {
                JsonNode days = f.path("daysUntilFull");
                // A backend that is not growing is never full: +Inf, which no "under N days" alert matches.
                double seconds = days.isNumber() ? days.asDouble() * SECONDS_PER_DAY : Double.POSITIVE_INFINITY;
                rows.add(
                        MultiGauge.Row.of(Tags.of("backend", f.path("backendId").asText()), seconds));
            }
        } catch (ApiProblem e) {
            // The services cannot answer: the forecasts are unknown, leave them out.
        }
        return rows;
    }

    private List<MultiGauge.Row<?>> monitorRows() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (CalleeLink link : links) {
            if (link.role().equals("monitor")) {
                try {
                    MonitorStatus.ask(link)
                            .forEach((name, value) -> rows.add(MultiGauge.Row.of(Tags.of("counter", name), value)));
                } catch (ApiProblem e) {
                    // A monitor that cannot answer leaves its series out (sluice_process_up says why).
                }
            }
        }
        return rows;
    }

    /** The services' status, or an empty object when they cannot answer (their series are left out). */
    private JsonNode servicesStatus() {
        try {
            return calls.services("status", "system:web", calls.args());
        } catch (ApiProblem e) {
            return MissingNode.getInstance();
        }
    }

    /** One row per numeric field of {@code counters}, tagged {@code tag=<field>}. */
    private static List<MultiGauge.Row<?>> rows(JsonNode counters, String tag) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counters.properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                rows.add(
                        MultiGauge.Row.of(Tags.of(tag, e.getKey()), e.getValue().asDouble()));
            }
        });
        return rows;
    }

    private List<MultiGauge.Row<?>> gatewayRows() {
        Map<String, Integer> byState = new HashMap<>();
        for (String s : List.of("APPROVED", "PENDING", "REVOKED", "REJECTED")) {
            byState.put(s, 0);
        }
        try {
            for (JsonNode g :
                    calls.db("gateway.list", "system:web", calls.args()).path("items")) {
                byState.merge(g.path("state").asText("UNKNOWN"), 1, Integer::sum);
            }
        } catch (ApiProblem e) {
            // Without the database the counts are unknown: leave the series out rather than report zeros.
            return List.of();
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byState.forEach((s, n) -> rows.add(MultiGauge.Row.of(Tags.of("state", s), n)));
        return rows;
    }
}
