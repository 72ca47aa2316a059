package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.common.EpochClock;
import io.sluice.protocol.CallStatus;
import io.sluice.services.compliance.Alert;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.compliance.Dimension;
import io.sluice.services.compliance.IntervalVerdict;
import io.sluice.services.control.ThrottleParams;
import io.sluice.services.control.VolumeInterval;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * What the services tell the database manager and read from it, through {@link DbCalls}: each interval's compliance
 * verdicts, alert changes, the gateways and volumes seen (the volumes by {@link VolumeRegistrations}), backends'
 * capacity history, and, at each (re)attach, the startup load of groups, SLAs and policies, a failed page asked again
 * until it succeeds.
 *
 * <p>Not thread-safe: the services' loop thread does everything.
 */
final class DbFeed {
    private static final System.Logger LOG = System.getLogger(DbFeed.class.getName());
    /** Largest compliance results per {@code compliance.append} call, so a call fits a slot with room to spare. */
    static final int COMPLIANCE_RESULTS_PER_CALL = 1_000;
    /** Capacity history goes to the database manager at most this often per backend. */
    static final long BACKEND_HISTORY_MILLIS = 60_000;
    /** Page size of the startup load. */
    static final int LOAD_PAGE = 200;
    /** A page of the startup load that failed (the database manager busy or restarting) is asked again after this. */
    static final long LOAD_RETRY_MILLIS = 1_000;

    /** A page of the startup load to ask for again at {@code atMillis}. */
    private record LoadRetry(long atMillis, Runnable load) {}

    private final DbCalls calls;
    private final EpochClock clock;
    private final long intervalMillis;
    private final ComplianceJudge judge;
    private final DiscoveredGateways registry;
    private final Inventory inventory;
    private final DocumentBook documents;
    private final VolumeRegistrations registrations;
    private final ArrayDeque<LoadRetry> loadRetries = new ArrayDeque<>();
    private final Map<String, Long> backendHistorySentAt = new HashMap<>();
    /** The database manager's id of each alert we upserted, by key: what {@code alert.ack} needs. */
    private final Map<String, Long> dbAlertIds = new HashMap<>();
    /** Puts a stored manual throttle in force ({@link ManualThrottleCalls#apply}). */
    private final Function<JsonNode, JsonNode> applyThrottle;

    DbFeed(
            DbCalls calls,
            EpochClock clock,
            long intervalMillis,
            ComplianceJudge judge,
            DiscoveredGateways registry,
            Inventory inventory,
            DocumentBook documents,
            Function<JsonNode, JsonNode> applyThrottle) {
        this.applyThrottle = applyThrottle;
        this.calls = calls;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.judge = judge;
        this.registry = registry;
        this.inventory = inventory;
        this.documents = documents;
        this.registrations = new VolumeRegistrations(calls, clock, registry, inventory);
    }

    /** The throttle sets sent since the last interval, stored with it ({@link DbCalls#recordThrottles}). */
    private final List<DbCalls.SentThrottle> throttlesSent = new ArrayList<>();
    /** Where the last throttle sets stored go at the startup load (the analyzer's paths resume from them). */
    private BiConsumer<Long, ThrottleParams> throttleRestorer = (gatewayId, params) -> {};

    /** Where the startup load hands each stored throttle set (gateway id, set). */
    void onThrottleLoaded(BiConsumer<Long, ThrottleParams> restorer) {
        this.throttleRestorer = restorer;
    }

    /** Sets sent to a gateway: stored at the database manager with the interval's other news. */
    void throttlesSent(long gatewayId, List<ThrottleParams> sets) {
        for (ThrottleParams set : sets) {
            throttlesSent.add(new DbCalls.SentThrottle(gatewayId, set));
        }
    }

    /** After an interval the judge has seen: its verdicts, the alerts changed, the gateways and volumes new. */
    void interval(long now, List<VolumeInterval> volumes) {
        if (!throttlesSent.isEmpty()) {
            calls.recordThrottles(List.copyOf(throttlesSent));
            throttlesSent.clear();
        }
        forwardVerdicts(now, volumes);
        judge.alerts().drainChanged(this::forwardAlert);
        registry.drainNew(this::forwardGateway, registrations::sighted);
    }

    /** The gateways and volumes the registry saw since last asked, registered now (before their samples go). */
    void sightings() {
        registry.drainNew(this::forwardGateway, registrations::sighted);
        registerVolumes();
    }

    private void forwardVerdicts(long now, List<VolumeInterval> volumes) {
        List<DbCalls.ComplianceResult> results = new ArrayList<>();
        for (VolumeInterval interval : volumes) {
            IntervalVerdict verdict = judge.latest(interval.volumeId());
            if (verdict == null || verdict.intervalEndMillis() != now) {
                continue;
            }
            for (String source : interval.policy().sources()) {
                String sla = source.substring(0, source.lastIndexOf('@'));
                for (Dimension dimension : Dimension.values()) {
                    results.add(new DbCalls.ComplianceResult(
                            sla,
                            interval.volumeId(),
                            now - intervalMillis,
                            intervalMillis,
                            dimension,
                            verdict.of(dimension)));
                    if (results.size() == COMPLIANCE_RESULTS_PER_CALL) {
                        calls.appendCompliance(results);
                        results = new ArrayList<>();
                    }
                }
            }
        }
        if (!results.isEmpty()) {
            calls.appendCompliance(results);
        }
    }

    private void forwardAlert(Alert alert) {
        String key = alert.key();
        calls.upsertAlert(alert, id -> {
            dbAlertIds.put(key, id);
            alert.storedAs(id);
        });
        if (alert.acknowledgedBy() != null && dbAlertIds.containsKey(key)) {
            calls.ackAlert(alert.acknowledgedBy(), dbAlertIds.get(key));
        }
    }

    private void forwardGateway(DiscoveredGateways.Gateway gateway) {
        calls.upsertGateway(gateway.gatewayId(), gateway.state(), gateway.lastSeen(), gateway.name());
    }

    /** See {@link VolumeRegistrations#registerAgain}: the forwarder's answer to samples of an unknown volume. */
    String registerVolumeAgain(int volumeId) {
        return registrations.registerAgain(volumeId);
    }

    /** Sends the volume registrations due. */
    void registerVolumes() {
        registrations.sendDue();
    }

    /** A backend's space as the capacity watch observed it at {@code now}: history, once a minute per backend. */
    void backendSpace(String backendId, long capacityBytes, long usedBytes, long now) {
        if (now - backendHistorySentAt.getOrDefault(backendId, Long.MIN_VALUE / 2) >= BACKEND_HISTORY_MILLIS) {
            backendHistorySentAt.put(backendId, now);
            calls.upsertBackend(backendId, capacityBytes, usedBytes, now);
        }
    }

    /**
     * At (re)attach: the registrations not confirmed yet go at once (calls in flight were let go with the old mailbox),
     * and the startup load.
     */
    void attached() {
        registrations.allDueNow();
        load();
    }

    /**
     * The SLAs, policies and groups the database manager holds; groups first, so SLAs find their members. Then the
     * manual throttles in force, so a restarted services process keeps to an operator's throttle from its first
     * interval instead of lifting it until someone sets it again.
     */
    private void load() {
        loadPage(DbCalls.Listing.GROUPS, null, documents::applyGroup);
        loadPage(DbCalls.Listing.SLAS, null, documents::applySla);
        loadPage(DbCalls.Listing.POLICIES, null, documents::applyPolicy);
        loadPage(DbCalls.Listing.THROTTLES, null, applyThrottle);
        loadThrottles(null);
    }

    /**
     * The last throttle sets stored, handed to the analyzer so a server taking over resumes from them; a page that
     * fails is not asked again (the analyzer then starts those paths afresh, with versions from the clock).
     */
    private void loadThrottles(Integer after) {
        calls.listThrottles(after, (status, result) -> {
            if (result == null || status != CallStatus.OK) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "throttle.list failed (status " + status + "); the throttle sets " + "not loaded start afresh");
                return;
            }
            for (JsonNode item : result.path("items")) {
                ThrottleParams params = DbCalls.throttleOf(item);
                if (params != null && item.path("gatewayId").asLong() > 0) {
                    throttleRestorer.accept(item.path("gatewayId").asLong(), params);
                }
            }
            if (result.path("next").canConvertToInt() && !result.path("next").isNull()) {
                loadThrottles(result.path("next").asInt());
            }
        });
    }

    private void loadPage(DbCalls.Listing listing, String after, Function<JsonNode, JsonNode> apply) {
        String op = listing.op;
        calls.list(listing, after, LOAD_PAGE, (status, result) -> {
            if (result == null || status != CallStatus.OK) {
                // Never given up: an SLA not loaded is an SLA not enforced, until someone edits it again.
                LOG.log(
                        System.Logger.Level.WARNING,
                        op + " failed (status " + status + "); asking again in " + LOAD_RETRY_MILLIS + " ms");
                loadRetries.add(
                        new LoadRetry(clock.epochMillis() + LOAD_RETRY_MILLIS, () -> loadPage(listing, after, apply)));
                return;
            }
            for (JsonNode doc : result.path("items")) {
                try {
                    apply.apply(doc);
                } catch (CallProblem problem) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            op + " item " + doc.path("name").asText() + " refused: " + problem.getMessage());
                }
            }
            JsonNode next = result.path("next");
            if (next.isTextual() && !next.asText().isEmpty()) {
                loadPage(listing, next.asText(), apply);
            }
        });
    }

    /** The pages of the startup load whose retry is due, asked again. */
    void retryLoads(long now) {
        while (!loadRetries.isEmpty() && loadRetries.peek().atMillis() <= now) {
            loadRetries.poll().load().run();
        }
    }
}
