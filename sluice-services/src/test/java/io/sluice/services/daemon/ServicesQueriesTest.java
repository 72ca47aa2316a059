package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.CallStatus;
import io.sluice.services.capacity.CapacityForecaster;
import io.sluice.services.capacity.CapacityWatch;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.compliance.Severity;
import io.sluice.services.control.ManualThrottles;
import io.sluice.services.control.PerformanceAnalyzer;
import io.sluice.services.control.PolicyRule;
import io.sluice.services.control.PolicyRules;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.inventory.VolumeTracker;
import io.sluice.services.sla.CapacityScaling;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.stats.RecentStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The services' JSON calls, answered on the test's thread against a real analyzer, book and judge. */
class ServicesQueriesTest {
    private static final long START = 1_700_000_000_000L;
    private final ObjectMapper json = new ObjectMapper();
    private final ManualEpochClock clock = new ManualEpochClock(START);
    private final Inventory inventory = new Inventory();
    private final ComplianceJudge judge = new ComplianceJudge();
    private final PolicyRules rules = new PolicyRules(judge::latest, judge.alerts());
    private final PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
    private final PolicyBook book;
    private final PerformanceAnalyzer analyzer;
    private final DiscoveredGateways gateways = new DiscoveredGateways();
    private final ServicesQueries queries;

    ServicesQueriesTest() {
        inventory.addBackend(new BackendProfile("b1", 10_000, 200));
        for (int id = 1; id <= 3; id++) {
            inventory.place(new VolumePlacement(id, "b1", List.of(), 1L << 40));
        }
        book = new PolicyBook(inventory, id -> self[0].capacityIops(id));
        analyzer = new PerformanceAnalyzer(inventory, book, 1_000, START, (g, s) -> {}, judge, rules);
        self[0] = analyzer;
        queries = new ServicesQueries(
                new ServicesState(
                        clock,
                        inventory,
                        book,
                        rules,
                        analyzer,
                        judge,
                        new RecentStats(600),
                        gateways,
                        new CapacityWatch(inventory, judge.alerts(), new CapacityForecaster(10, 0), 30, 7),
                        v -> 0,
                        null,
                        new ThrottleOutbox(4096, START, analyzer::notDelivered),
                        new VolumeTracker(100, 60_000),
                        new ManualThrottles(),
                        new PollDriver(1_000)),
                256 * 1024);
    }

    @Test
    void anSlaDocumentMapsEveryFieldOfTheSpecAndOlderVersionsAreIgnored() throws Exception {
        JsonNode ok = call(CallStatus.OK, """
                {"op": "sla.apply", "actor": "user:alice", "doc": {"name": "gold", "version": 3, "spec": {
                 "name": "gold", "scope": {"kind": "VOLUME", "id": "1"},
                 "iopsLimit": 5000, "readIopsLimit": 4000, "writeIopsLimit": 3000,
                 "bandwidthLimit": 400000000, "readBandwidthLimit": 300000000, "writeBandwidthLimit": 200000000,
                 "burst": {"iops": 8000, "seconds": 30}, "normalizeBytes": 8192,
                 "reservedIops": 2000, "reservedBandwidth": 1000000, "weight": 300, "priority": "CRITICAL",
                 "latency": {"percentile": 99, "readMicros": 2000, "writeMicros": 4000, "windowIntervals": 5},
                 "capacityScaling": {"iopsPerTb": 5000, "basis": "USED", "minimumIops": 100},
                 "compliance": {"targetPercent": 99.5, "alertAfter": 2, "alertWindow": 4}}}}""");
        assertThat(ok.get("applied").asBoolean()).isTrue();
        assertThat(ok.get("effectiveAt").asLong()).isEqualTo(analyzer.nextIntervalAt());
        EffectivePolicy policy = book.effective(1);
        assertThat(policy.sources()).containsExactly("gold@3");
        assertThat(policy.iops().total()).isEqualTo(5000);
        assertThat(policy.iops().read()).isEqualTo(4000);
        assertThat(policy.iops().write()).isEqualTo(3000);
        assertThat(policy.bandwidth().read()).isEqualTo(300_000_000);
        assertThat(policy.burst().iops()).isEqualTo(8000);
        assertThat(policy.burst().lengthMillis()).isEqualTo(30_000);
        assertThat(policy.sizeNormalizationBytes()).isEqualTo(8192);
        assertThat(policy.reservedBandwidth()).isEqualTo(1_000_000);
        assertThat(policy.weight()).isEqualTo(300);
        assertThat(policy.priority()).isEqualTo(PriorityClass.CRITICAL);
        assertThat(policy.latency().writeMicros()).isEqualTo(4000);
        assertThat(policy.scaling().basis()).isEqualTo(CapacityScaling.Basis.USED);
        assertThat(policy.scaling().iopsPerTib()).isEqualTo(5498); // 5000 per TB is 5498 per TiB
        assertThat(policy.complianceTarget()).isEqualTo(0.995);
        assertThat(policy.alertRule().violations()).isEqualTo(2);
        assertThat(policy.alertRule().intervals()).isEqualTo(4);

        JsonNode older = call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "gold", "version": 2, "spec": {"name": "gold",
                 "scope": {"kind": "VOLUME", "id": "1"}, "iopsLimit": 10}}}""");
        assertThat(older.get("applied").asBoolean()).isFalse();
        assertThat(book.effective(1).iops().total()).isEqualTo(5000);

        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "gold", "version": 4, "deleted": true}}""");
        assertThat(book.effective(1).isManaged()).isFalse();
    }

    @Test
    void anSlaMovedToAnotherScopeLeavesTheOldOne() throws Exception {
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "s", "version": 1, "spec": {"name": "s",
                 "scope": {"kind": "VOLUME", "id": "1"}, "iopsLimit": 100}}}""");
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "s", "version": 2, "spec": {"name": "s",
                 "scope": {"kind": "VOLUME", "id": "2"}, "iopsLimit": 100}}}""");
        assertThat(book.effective(1).isManaged()).isFalse();
        assertThat(book.effective(2).sources()).containsExactly("s@2");
    }

    @Test
    void deletingAnSlaThatWasDisplacedFromItsScopeLeavesTheNewOneAttached() throws Exception {
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "old", "version": 1, "spec": {"name": "old",
                 "scope": {"kind": "VOLUME", "id": "3"}, "iopsLimit": 100}}}""");
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "new", "version": 1, "spec": {"name": "new",
                 "scope": {"kind": "VOLUME", "id": "3"}, "iopsLimit": 200}}}""");
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "old", "version": 2, "deleted": true}}""");
        assertThat(book.effective(3).sources()).containsExactly("new@1");
    }

    @Test
    void anSlaScopeMayNameItsVolumeAndIsAnsweredWithTheIdToStore() throws Exception {
        gateways.onNamedVolume(12, "host-a", 2, "disk1", false, 1L << 30, START);
        gateways.onNamedVolume(13, "host-b", 3, "disk1", false, 1L << 30, START);
        JsonNode valid = call(CallStatus.OK, """
                {"op": "sla.validate", "spec": {"name": "s", "scope": {"kind": "VOLUME", "name": "host-b/disk1"},
                 "iopsLimit": 100}}""");
        assertThat(valid.get("scope").toString())
                .isEqualTo("{\"kind\":\"VOLUME\",\"id\":\"3\",\"name\":\"host-b/disk1\"}");
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "s", "version": 1, "spec": {"name": "s",
                 "scope": {"kind": "VOLUME", "name": "host-a/disk1"}, "iopsLimit": 100}}}""");
        assertThat(book.effective(2).sources()).containsExactly("s@1");
        assertThat(book.effective(3).isManaged()).isFalse();

        JsonNode unknown = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "s", "scope": {"kind": "VOLUME", "name": "host-c/disk1"}}}""");
        assertThat(unknown.get("field").asText()).isEqualTo("scope.name");
        assertThat(unknown.get("rule").asText()).isEqualTo("unknown-volume");
        // Two gateways that call themselves the same: the name finds neither volume.
        gateways.onNamedVolume(14, "host-b", 1, "disk1", false, 1L << 30, START);
        JsonNode ambiguous = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "s", "scope": {"kind": "VOLUME", "name": "host-b/disk1"}}}""");
        assertThat(ambiguous.get("rule").asText()).isEqualTo("ambiguous-volume");
        JsonNode group = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "s", "scope": {"kind": "TENANT", "name": "payments"}}}""");
        assertThat(group.get("field").asText()).isEqualTo("scope.id");
    }

    @Test
    void liveViewsAndGatewaysShowNames() throws Exception {
        gateways.onNamedVolume(12, "host-a", 1, "disk1", false, 1L << 30, START);
        gateways.onNamedVolume(13, "host-b", 2, "lun7", true, 1L << 30, START);
        gateways.onVolume(13, 3, 1L << 30, 0, START);
        JsonNode list = call(CallStatus.OK, """
                {"op": "gateways.list"}""");
        assertThat(list.get("items").get(0).get("name").asText()).isEqualTo("host-a");
        JsonNode live = call(CallStatus.OK, """
                {"op": "live.volumes"}""");
        assertThat(live.get("items"))
                .extracting(v -> v.get("volumeId").asInt() + "=" + v.get("name").asText())
                .containsExactly("1=host-a/disk1", "2=lun7", "3=null");
    }

    @Test
    void validationNamesTheSpecFieldAndTheRule() throws Exception {
        call(CallStatus.OK, """
                {"op": "sla.validate", "spec": {"name": "ok", "iopsLimit": 100, "reservedIops": 50}}""");
        JsonNode reservation = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "bad", "iopsLimit": 100, "reservedIops": 500}}""");
        assertThat(reservation.get("type").asText()).isEqualTo("invalid");
        assertThat(reservation.get("field").asText()).isEqualTo("reservedIops");
        assertThat(reservation.get("rule").asText()).isEqualTo("RESERVATION_WITHIN_LIMIT");
        JsonNode direction = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "bad", "iopsLimit": 100, "readIopsLimit": 500}}""");
        assertThat(direction.get("field").asText()).isEqualTo("readIopsLimit");
        JsonNode admission = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "big", "scope": {"kind": "VOLUME", "id": "1"},
                 "reservedIops": 20000}}""");
        assertThat(admission.get("rule").asText()).isEqualTo("ADMISSION_CAPACITY");
        JsonNode floor = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "fast", "scope": {"kind": "VOLUME", "id": "1"},
                 "latency": {"percentile": 99, "readMicros": 50, "windowIntervals": 5}}}""");
        assertThat(floor.get("field").asText()).isEqualTo("latency.readMicros");
        assertThat(floor.get("rule").asText()).isEqualTo("LATENCY_BELOW_BACKEND_FLOOR");
        JsonNode compliance = call(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "c", "compliance": {"alertAfter": 6, "alertWindow": 5}}}""");
        assertThat(compliance.get("field").asText()).isEqualTo("compliance.alertAfter");
        // Applying what validation refuses is refused the same way, and nothing changes.
        JsonNode refused = call(CallStatus.INVALID, """
                {"op": "sla.apply", "doc": {"name": "bad", "version": 1, "spec": {"name": "bad",
                 "scope": {"kind": "VOLUME", "id": "2"}, "iopsLimit": 100, "reservedIops": 500}}}""");
        assertThat(refused.get("rule").asText()).isEqualTo("RESERVATION_WITHIN_LIMIT");
        assertThat(book.effective(2).isManaged()).isFalse();
    }

    @Test
    void malformedRequestsGetTypedProblems() throws Exception {
        assertThat(answer("not json").status()).isEqualTo(CallStatus.INVALID);
        assertThat(answer("[1, 2]").status()).isEqualTo(CallStatus.INVALID);
        assertThat(problem(CallStatus.INVALID, "{\"actor\": \"x\"}")
                        .get("field")
                        .asText())
                .isEqualTo("op");
        assertThat(problem(CallStatus.UNKNOWN_OP, "{\"op\": \"sla.explode\"}")
                        .get("type")
                        .asText())
                .isEqualTo("unknown-op");
        assertThat(problem(CallStatus.INVALID, "{\"op\": \"sla.apply\"}")
                        .get("field")
                        .asText())
                .isEqualTo("doc");
        assertThat(problem(CallStatus.INVALID, """
                {"op": "sla.apply", "doc": {"name": "x", "version": 0, "spec": {"name": "x"}}}""").get("field").asText()).isEqualTo("doc.version");
        assertThat(problem(
                                CallStatus.INVALID,
                                "{\"op\": \"sla.validate\", \"spec\": {\"name\": \"x\", \"iopsLimit\": \"lots\"}}")
                        .get("field")
                        .asText())
                .isEqualTo("iopsLimit");
        assertThat(problem(
                                CallStatus.INVALID,
                                "{\"op\": \"sla.validate\", \"spec\": {\"name\": \"x\", \"iopsLimt\": 5}}")
                        .get("rule")
                        .asText())
                .isEqualTo("unknown-field");
        assertThat(problem(
                                CallStatus.INVALID,
                                "{\"op\": \"sla.validate\", \"spec\": {\"name\": \"x\", \"priority\": \"GOLD\"}}")
                        .get("field")
                        .asText())
                .isEqualTo("priority");
        assertThat(problem(CallStatus.INVALID, """
                {"op": "sla.validate", "spec": {"name": "x", "scope": {"kind": "VOLUME", "id": "abc"}}}""").get("field").asText()).isEqualTo("scope.id");
        assertThat(problem(
                                CallStatus.INVALID,
                                "{\"op\": \"sla.validate\", \"spec\": {\"name\": \"x\", \"burst\": {\"seconds\": 99999999999999999}}}")
                        .get("type")
                        .asText())
                .isEqualTo("invalid");
        assertThat(problem(CallStatus.INVALID, "{\"op\": \"live.volume\", \"volumeId\": \"one\"}")
                        .get("field")
                        .asText())
                .isEqualTo("volumeId");
        assertThat(problem(CallStatus.NOT_FOUND, "{\"op\": \"live.volume\", \"volumeId\": 99}")
                        .get("type")
                        .asText())
                .isEqualTo("not-found");
        assertThat(problem(CallStatus.NOT_FOUND, "{\"op\": \"alert.ack\", \"id\": 12345}")
                        .get("type")
                        .asText())
                .isEqualTo("not-found");
    }

    @Test
    void policiesAreParsedIntoRulesAndBadOnesNamedByField() throws Exception {
        call(CallStatus.OK, """
                {"op": "policy.apply", "doc": {"name": "nightly-backup", "version": 1, "spec": {
                 "name": "nightly-backup", "kind": "TIME_WINDOW",
                 "window": {"days": ["MON", "TUE"], "start": "01:00", "end": "05:00", "zone": "Europe/Paris"},
                 "appliesTo": {"priority": "BACKGROUND"}, "iopsLimitFactor": 4.0}}}""");
        call(CallStatus.OK, """
                {"op": "policy.apply", "doc": {"name": "protect-gold", "version": 1, "spec": {
                 "name": "protect-gold", "kind": "ON_VIOLATION", "sla": "gold", "after": 3, "window": 5,
                 "actions": ["THROTTLE_LOWER_CLASSES", "ALERT"]}}}""");
        assertThat(rules.all()).hasSize(2);
        assertThat(rules.all().getFirst()).isInstanceOf(PolicyRule.TimeWindow.class);
        assertThat(((PolicyRule.OnViolation) rules.all().get(1)).throttleLowerClasses())
                .isTrue();
        assertThat(problem(CallStatus.INVALID, """
                {"op": "policy.apply", "doc": {"name": "p", "version": 1, "spec": {"kind": "TIME_WINDOW",
                 "window": {"start": "25:00", "end": "05:00"}, "appliesTo": {"priority": "BACKGROUND"}, "iopsLimitFactor": 2}}}""").get("field").asText()).isEqualTo("window.start");
        assertThat(problem(CallStatus.INVALID, """
                {"op": "policy.apply", "doc": {"name": "p", "version": 1, "spec": {"kind": "ON_VIOLATION",
                 "sla": "gold", "after": 6, "window": 5, "actions": ["ALERT"]}}}""").get("field").asText()).isEqualTo("after");
        assertThat(problem(CallStatus.INVALID, """
                {"op": "policy.apply", "doc": {"name": "p", "version": 1, "spec": {"kind": "SOMETIMES"}}}""").get("field").asText()).isEqualTo("kind");
        call(CallStatus.OK, """
                {"op": "policy.apply", "doc": {"name": "nightly-backup", "version": 2, "deleted": true}}""");
        assertThat(rules.all()).hasSize(1);
    }

    @Test
    void groupsCarryTheirSlaToTheirMembers() throws Exception {
        call(CallStatus.OK, """
                {"op": "group.apply", "doc": {"name": "payments", "version": 1, "spec": {"name": "payments",
                 "kind": "TENANT", "members": [1, 2]}}}""");
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "tenant-cap", "version": 1, "spec": {"name": "tenant-cap",
                 "scope": {"kind": "TENANT", "id": "payments"}, "iopsLimit": 3000}}}""");
        assertThat(book.effective(1).iops().total()).isEqualTo(3000);
        assertThat(book.effective(2).iops().total()).isEqualTo(3000);
        assertThat(book.effective(3).isManaged()).isFalse();
        JsonNode groups = call(CallStatus.OK, "{\"op\": \"live.groups\"}");
        assertThat(groups.get("items").get(0).get("id").asText()).isEqualTo("payments");
        assertThat(groups.get("items").get(0).get("iopsLimit").asLong()).isEqualTo(3000);
        call(CallStatus.OK, """
                {"op": "group.apply", "doc": {"name": "payments", "version": 2, "spec": {"name": "payments",
                 "kind": "TENANT", "members": [2]}}}""");
        assertThat(book.effective(1).isManaged()).isFalse();
        assertThat(book.effective(2).isManaged()).isTrue();
    }

    @Test
    void aStoredManualThrottleIsAppliedShownAsManualOnItsVolumeAndCancelledByItsId() throws Exception {
        JsonNode applied = call(
                CallStatus.OK,
                "{\"op\": \"throttle.apply\", \"throttle\": {\"id\": 5, \"volumeId\": 2,"
                        + " \"iopsLimit\": 300, \"bandwidthLimit\": 0, \"setBy\": \"user:op\", \"setAt\": " + START
                        + ", \"expiresAt\": " + (START + 60_000) + ", \"reason\": \"noisy\"}}");
        assertThat(applied.get("inForce").asBoolean()).isTrue();
        JsonNode volumes = call(CallStatus.OK, "{\"op\": \"live.volumes\"}").get("items");
        assertThat(volumes.get(0).get("manual").isNull()).isTrue();
        JsonNode manual = volumes.get(1).get("manual");
        assertThat(manual.get("iopsLimit").asLong()).isEqualTo(300);
        assertThat(manual.get("setBy").asText()).isEqualTo("user:op");
        assertThat(manual.get("expiresAt").asLong()).isEqualTo(START + 60_000);
        assertThat(call(CallStatus.OK, "{\"op\": \"throttle.list\"}").get("items"))
                .hasSize(1);
        problem(
                CallStatus.INVALID,
                "{\"op\": \"throttle.apply\", \"throttle\": {\"id\": 6, \"volumeId\": 2,"
                        + " \"iopsLimit\": 0, \"bandwidthLimit\": 0, \"setBy\": \"user:op\", \"setAt\": 1, \"expiresAt\": 2}}");

        assertThat(call(CallStatus.OK, "{\"op\": \"throttle.cancel\", \"volumeId\": 2, \"id\": 4}")
                        .get("cancelled")
                        .asBoolean())
                .as("an older throttle's cancel")
                .isFalse();
        assertThat(call(CallStatus.OK, "{\"op\": \"throttle.cancel\", \"volumeId\": 2, \"id\": 5}")
                        .get("cancelled")
                        .asBoolean())
                .isTrue();
        assertThat(call(CallStatus.OK, "{\"op\": \"throttle.list\"}").get("items"))
                .isEmpty();

        call(
                CallStatus.OK,
                "{\"op\": \"throttle.apply\", \"throttle\": {\"id\": 7, \"volumeId\": 3, \"iopsLimit\": 1,"
                        + " \"bandwidthLimit\": 0, \"setBy\": \"user:op\", \"setAt\": " + START + ", \"expiresAt\": "
                        + (START + 1_000) + "}}");
        clock.advance(1_000);
        assertThat(call(CallStatus.OK, "{\"op\": \"live.volumes\"}")
                        .get("items")
                        .get(2)
                        .get("manual")
                        .isNull())
                .as("expired")
                .isTrue();
    }

    @Test
    void viewsAnswerWithTheContractsShapes() throws Exception {
        call(CallStatus.OK, """
                {"op": "sla.apply", "doc": {"name": "gold", "version": 1, "spec": {"name": "gold",
                 "scope": {"kind": "VOLUME", "id": "1"}, "reservedIops": 1000}}}""");
        JsonNode volumes = call(CallStatus.OK, "{\"op\": \"live.volumes\"}");
        assertThat(volumes.get("items")).hasSize(3);
        assertThat(volumes.get("items").get(0).get("sla").asText()).isEqualTo("gold");
        assertThat(volumes.get("items").get(0).get("state").asText()).isEqualTo("MET");
        assertThat(volumes.get("items").get(1).get("state").asText()).isEqualTo("NO_SLA");
        assertThat(call(CallStatus.OK, "{\"op\": \"live.volume\", \"volumeId\": 1, \"seconds\": 30}")
                        .get("points"))
                .isEmpty();
        JsonNode first = call(CallStatus.OK, "{\"op\": \"live.volumes\", \"limit\": 2}");
        assertThat(first.get("items")).hasSize(2);
        assertThat(first.get("next").asText()).isEqualTo("2");
        JsonNode second = call(CallStatus.OK, "{\"op\": \"live.volumes\", \"limit\": 2, \"after\": \"2\"}");
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.get("items").get(0).get("volumeId").asInt()).isEqualTo(3);
        assertThat(second.get("next").isNull()).isTrue();
        assertThat(problem(CallStatus.INVALID, "{\"op\": \"live.volumes\", \"limit\": 0}")
                        .get("field")
                        .asText())
                .isEqualTo("limit");
        assertThat(call(CallStatus.OK, "{\"op\": \"compliance.live\"}")
                        .get("items")
                        .get(0)
                        .get("sla")
                        .asText())
                .isEqualTo("gold");
        JsonNode status = call(CallStatus.OK, "{\"op\": \"status\"}");
        assertThat(status.get("intervalMillis").asLong()).isEqualTo(1_000);
        assertThat(status.get("slas").asInt()).isEqualTo(1);
        assertThat(status.get("dbForwarding").get("enabled").asBoolean()).isFalse();
        assertThat(call(CallStatus.OK, "{\"op\": \"forecast.list\"}").get("items"))
                .isEmpty();
        assertThat(call(CallStatus.OK, "{\"op\": \"gateways.list\"}").get("items"))
                .isEmpty();

        long id = judge.alerts()
                .raise("capacity:b1", Severity.WARNING, "b1 full in 20 days", START)
                .id();
        JsonNode alerts = call(CallStatus.OK, "{\"op\": \"alerts.list\"}");
        assertThat(alerts.get("items").get(0).get("key").asText()).isEqualTo("capacity:b1");
        assertThat(alerts.get("items").get(0).get("state").asText()).isEqualTo("OPEN");
        JsonNode acked = call(CallStatus.OK, "{\"op\": \"alert.ack\", \"actor\": \"user:bob\", \"id\": " + id + "}");
        assertThat(acked.get("acknowledgedBy").asText()).isEqualTo("user:bob");
        assertThat(acked.get("acknowledgedAt").asLong()).isEqualTo(START);
    }

    @Test
    void theBootstrapFileTakesSlasInTheContractsFullForm() throws Exception {
        Path file = Files.createTempFile("services", ".json");
        try {
            Files.writeString(file, """
                    {"backends": [{"id": "b9", "nominalIops": 10000, "floorLatencyMicros": 200}],
                     "volumes": [{"volumeId": 1, "backendId": "b9", "groups": [], "allocatedBytes": 1099511627776}],
                     "specs": [{"name": "gold", "scope": {"kind": "VOLUME", "id": "1"}, "readIopsLimit": 800,
                                "burst": {"iops": 2000, "seconds": 10}, "compliance": {"targetPercent": 99.9}}],
                     "forecastWarningDays": 60}""");
            ServicesConfig config = ServicesConfig.read(file);
            assertThat(config.forecastWarningDays()).isEqualTo(60);
            assertThat(config.forecastCriticalDays()).isEqualTo(ServicesConfig.DEFAULT_CRITICAL_DAYS);
            config.applySpecs(queries);
            assertThat(book.effective(1).iops().read()).isEqualTo(800);
            assertThat(book.effective(1).complianceTarget()).isCloseTo(0.999, Offset.offset(1e-9));
            assertThat(call(CallStatus.OK, "{\"op\": \"status\"}").get("slas").asInt())
                    .isEqualTo(1);
        } finally {
            Files.delete(file);
        }
    }

    private JsonNode call(int expectedStatus, String request) throws Exception {
        ServicesQueries.Answer answer = answer(request);
        JsonNode result = json.readTree(answer.json());
        assertThat(answer.status()).as("%s -> %s", request, result).isEqualTo(expectedStatus);
        return result;
    }

    private JsonNode problem(int expectedStatus, String request) throws Exception {
        return call(expectedStatus, request);
    }

    private ServicesQueries.Answer answer(String request) {
        return queries.handle(request.getBytes(StandardCharsets.UTF_8));
    }
}
