package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.store.CallCancellation;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.protocol.CallStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the database manager stores, through its JSON ops and repositories, on one engine; a subclass per engine
 * runs the same tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreContract {
    static final long HOUR = 3_600_000L;
    /** A whole hour, so rollup windows line up. */
    static final long T0 = 1_790_000_000_000L / HOUR * HOUR;

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path dir;

    TestDatabase testDatabase;
    Database database;
    ManualEpochClock clock = new ManualEpochClock(T0);
    JsonCalls calls;

    abstract TestDatabase create(Path dir) throws Exception;

    @BeforeAll
    void open() throws Exception {
        testDatabase = create(dir);
        database = Database.open(testDatabase.url(), testDatabase.user(), testDatabase.password(), 4, 2_000);
        DbOps ops = new DbOps(database, clock, () -> new IngestionStatus(false, 0, 0, 0, null), new KnownVolumes());
        calls = new JsonCalls(ops, 256 * 1024);
    }

    @AfterAll
    void close() throws Exception {
        database.close();
        testDatabase.close();
    }

    JsonCalls.Answer call(String json) {
        return calls.call(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    JsonNode ok(String json) throws Exception {
        JsonCalls.Answer answer = call(json);
        assertThat(answer.status())
                .as(new String(answer.json(), StandardCharsets.UTF_8))
                .isEqualTo(CallStatus.OK);
        return MAPPER.readTree(answer.json());
    }

    JsonNode problem(String json, int status) throws Exception {
        JsonCalls.Answer answer = call(json);
        assertThat(answer.status())
                .as(new String(answer.json(), StandardCharsets.UTF_8))
                .isEqualTo(status);
        JsonNode problem = MAPPER.readTree(answer.json());
        assertThat(problem.get("type").asText()).isEqualTo(CallStatus.name(status));
        return problem;
    }

    @Test
    void slaEditsAreOptimisticVersionedAuditedAndKeptInHistory() throws Exception {
        JsonNode v1 = ok(
                "{'op':'sla.put','actor':'user:alice','name':'gold','expectedVersion':0,'spec':{'name':'gold','iopsLimit':5000}}");
        assertThat(v1.get("version").asInt()).isEqualTo(1);
        assertThat(v1.get("spec").get("iopsLimit").asInt()).isEqualTo(5000);
        assertThat(v1.get("updatedBy").asText()).isEqualTo("user:alice");

        ok(
                "{'op':'sla.put','actor':'user:bob','name':'gold','expectedVersion':1,'spec':{'name':'gold','iopsLimit':6000}}");
        JsonNode conflict = problem(
                "{'op':'sla.put','actor':'user:alice','name':'gold','expectedVersion':1,"
                        + "'spec':{'name':'gold','iopsLimit':7000}}",
                CallStatus.CONFLICT);
        assertThat(conflict.get("currentVersion").asInt()).isEqualTo(2);
        problem(
                "{'op':'sla.put','actor':'user:alice','name':'gold','expectedVersion':0,'spec':{'name':'gold'}}",
                CallStatus.CONFLICT);

        JsonNode tombstone = ok("{'op':'sla.delete','actor':'user:bob','name':'gold','expectedVersion':2}");
        assertThat(tombstone.get("version").asInt()).isEqualTo(3);
        assertThat(tombstone.get("deleted").asBoolean()).isTrue();
        assertThat(ok("{'op':'sla.list','actor':'system:web'}").get("items")).isEmpty();
        assertThat(ok("{'op':'sla.list','actor':'system:web','includeDeleted':true}")
                        .get("items"))
                .hasSize(1);

        JsonNode history =
                ok("{'op':'sla.history','actor':'system:web','name':'gold'}").get("items");
        assertThat(history).hasSize(3);
        assertThat(history.get(1).get("spec").get("iopsLimit").asInt()).isEqualTo(6000);

        JsonNode audit = ok("{'op':'audit.list','actor':'system:web','byActor':'user:bob'}")
                .get("items");
        assertThat(audit).extracting(a -> a.get("action").asText()).contains("sla.put", "sla.delete");
        assertThat(audit).allMatch(a -> a.get("actor").asText().equals("user:bob"));
        JsonNode everyone = ok("{'op':'audit.list','actor':'system:web'}").get("items");
        assertThat(everyone).extracting(a -> a.get("actor").asText()).contains("user:alice", "user:bob");
        problem("{'op':'sla.get','actor':'system:web','name':'silver'}", CallStatus.NOT_FOUND);
        problem(
                "{'op':'policy.put','actor':'user:a','name':'p','expectedVersion':0,'spec':{'name':'other'}}",
                CallStatus.INVALID);
    }

    @Test
    void aManualThrottleIsStoredAuditedEndedByTheNextOneOrACancelAndGoneAtItsExpiry() throws Exception {
        try {
            manualThrottles();
        } finally {
            // The other tests count the registry's volumes.
            database.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM volumes WHERE volume_id = 9101")) {
                    return s.executeUpdate();
                }
            });
        }
    }

    private void manualThrottles() throws Exception {
        long now = clock.epochMillis();
        String set = "{'op':'throttle.set','actor':'user:op','volumeId':9101,";
        problem(set + "'iopsLimit':500,'expiresAt':" + (now + HOUR) + "}", CallStatus.NOT_FOUND);
        ok("{'op':'volume.upsert','actor':'system:services','volumeId':9101,'gatewayId':91}");
        problem(set + "'iopsLimit':-1,'expiresAt':" + (now + HOUR) + "}", CallStatus.INVALID);
        problem(set + "'expiresAt':" + (now + HOUR) + "}", CallStatus.INVALID);
        problem(set + "'iopsLimit':5,'expiresAt':" + now + "}", CallStatus.INVALID);
        problem(set + "'iopsLimit':5,'expiresAt':" + (now + 8 * 24 * HOUR) + "}", CallStatus.INVALID);

        JsonNode first = ok(set + "'iopsLimit':500,'expiresAt':" + (now + HOUR) + ",'reason':'noisy neighbour'}");
        assertThat(first.get("setBy").asText()).isEqualTo("user:op");
        assertThat(first.get("iopsLimit").asLong()).isEqualTo(500);
        assertThat(first.get("bandwidthLimit").asLong()).isZero();
        JsonNode second = ok("{'op':'throttle.set','actor':'user:lead','volumeId':9101,'bandwidthLimit':1048576,"
                + "'expiresAt':" + (now + 2 * HOUR) + "}");
        JsonNode inForce =
                ok("{'op':'throttle.list','actor':'system:services'}").get("items");
        assertThat(inForce).as("the second ended the first").hasSize(1);
        assertThat(inForce.get(0).get("id").asLong()).isEqualTo(second.get("id").asLong());

        JsonNode cancelled = ok("{'op':'throttle.cancel','actor':'user:op','volumeId':9101}");
        assertThat(cancelled.get("endedBy").asText()).isEqualTo("user:op");
        assertThat(ok("{'op':'throttle.list','actor':'system:services'}").get("items"))
                .isEmpty();
        problem("{'op':'throttle.cancel','actor':'user:op','volumeId':9101}", CallStatus.NOT_FOUND);

        ok("{'op':'throttle.set','actor':'user:op','volumeId':9101,'iopsLimit':100,'expiresAt':" + (now + 1_000) + "}");
        assertThat(ok("{'op':'throttle.list','actor':'system:services'}").get("items"))
                .hasSize(1);
        clock.advance(1_000);
        assertThat(ok("{'op':'throttle.list','actor':'system:services'}").get("items"))
                .as("expired")
                .isEmpty();

        JsonNode audit = ok("{'op':'audit.list','actor':'system:web'}").get("items");
        assertThat(audit)
                .filteredOn(a -> a.get("target").asText().equals("volume:9101"))
                .extracting(
                        a -> a.get("action").asText() + " by " + a.get("actor").asText())
                .containsExactly(
                        "volume.throttle.set by user:op",
                        "volume.throttle.cancel by user:op",
                        "volume.throttle.set by user:lead",
                        "volume.throttle.set by user:op");
    }

    @Test
    void listingsPageWithCursors() throws Exception {
        for (int i = 0; i < 5; i++) {
            ok("{'op':'group.put','actor':'user:a','name':'g" + i + "','expectedVersion':0," + "'spec':{'name':'g" + i
                    + "','kind':'TENANT','members':[1,2]}}");
        }
        JsonNode first = ok("{'op':'group.list','actor':'user:a','limit':3}");
        assertThat(first.get("items")).hasSize(3);
        JsonNode second = ok("{'op':'group.list','actor':'user:a','limit':3,'after':'"
                + first.get("next").asText() + "'}");
        assertThat(second.get("items")).hasSize(2);
        assertThat(second.get("next").isNull()).isTrue();
    }

    @Test
    void samplesAreDeduplicatedByBatchRolledUpAndKeptPerResolution() throws Exception {
        SampleRepository samples = new SampleRepository(database.engine());
        int volume = 100;
        long start = T0 + 10 * HOUR;
        for (int s = 0; s < 120; s++) {
            SampleBatch batch = SampleBatch.of(2, Batches.batch(1_000 + s, volume, 2, start + s * 1000L));
            int fresh = database.inTransaction(c -> samples.append(c, List.of(batch, batch), clock.epochMillis()));
            assertThat(fresh).isEqualTo(4);
        }
        int again = database.inTransaction(c ->
                samples.append(c, List.of(SampleBatch.of(2, Batches.batch(1_000, volume, 2, start))), 0));
        assertThat(again).isZero();
        int otherCaller = database.inTransaction(c ->
                samples.append(c, List.of(SampleBatch.of(3, Batches.batch(1_000, volume + 50, 1, start))), 0));
        assertThat(otherCaller).isEqualTo(2);

        JsonNode range = ok("{'op':'samples.range','actor':'system:web','volumeId':" + volume + ",'from':" + start
                + ",'to':" + (start + 120_000) + "}");
        assertThat(range.get("resolution").asText()).isEqualTo("1s");
        assertThat(range.get("points")).hasSize(120);
        JsonNode point = range.get("points").get(0);
        assertThat(point.get("ops").asLong()).isEqualTo(2 * (100 + volume));
        assertThat(point.get("iops").asDouble()).isEqualTo(2.0 * (100 + volume));
        assertThat(point.get("windowMillis").asLong()).isEqualTo(1_000);
        assertThat(point.get("latencyP50Micros").asLong()).isBetween(256L, 512L);
        assertThat(point.get("latencyP99Micros").asLong()).isBetween(1024L, 2048L);
        JsonNode read = ok("{'op':'samples.range','actor':'system:web','volumeId':" + volume
                + ",'direction':'READ','from':" + start + ",'to':" + (start + 120_000) + ",'limit':50}");
        assertThat(read.get("points")).hasSize(50);
        assertThat(read.get("points").get(0).get("ops").asLong()).isEqualTo(100 + volume);
        assertThat(read.get("next").asText()).isEqualTo(String.valueOf(start + 49_000));

        HistoryMaintenance history = new HistoryMaintenance(database, Retention.DEFAULT);
        long now = start + 3 * HOUR;
        while (history.doWork(now) > 0) {
            now += 1;
        }
        JsonNode minutes = ok("{'op':'samples.range','actor':'system:web','volumeId':" + volume + ",'from':" + start
                + ",'to':" + (start + HOUR) + ",'resolution':'1m'}");
        assertThat(minutes.get("points")).hasSize(2);
        JsonNode minute = minutes.get("points").get(0);
        assertThat(minute.get("ops").asLong()).isEqualTo(60L * 2 * (100 + volume));
        assertThat(minute.get("iops").asDouble()).isEqualTo(2.0 * (100 + volume));
        assertThat(minute.get("windowMillis").asLong()).isEqualTo(60_000);
        assertThat(minute.get("latencyP99Micros").asLong()).isBetween(1024L, 2048L);
        JsonNode hours = ok("{'op':'samples.range','actor':'system:web','volumeId':" + volume + ",'from':"
                + (start - HOUR) + ",'to':" + (start + 8 * 24 * HOUR) + "}");
        assertThat(hours.get("resolution").asText()).isEqualTo("1h");
        assertThat(hours.get("points")).hasSize(1);
        assertThat(hours.get("points").get(0).get("ops").asLong()).isEqualTo(120L * 2 * (100 + volume));

        JsonNode summary = ok("{'op':'samples.summary','actor':'system:web','volumeIds':[" + volume + "," + (volume + 1)
                + "],'from':" + start + ",'to':" + (start + HOUR) + ",'resolution':'1m'}");
        assertThat(summary.get("items")).hasSize(2);
        assertThat(summary.get("items").get(1).get("ops").asLong()).isEqualTo(120L * 2 * (101 + volume));

        // Forty days on: 1 s and 1 min history are past retention, hours stay.
        new HistoryMaintenance(database, Retention.DEFAULT).doWork(start + 40 * 24 * HOUR);
        assertThat((long) database.inTransaction(c -> samples.count(c, Resolution.SECOND)))
                .isZero();
        assertThat((long) database.inTransaction(c -> samples.count(c, Resolution.MINUTE)))
                .isZero();
        assertThat((long) database.inTransaction(c -> samples.count(c, Resolution.HOUR)))
                .isEqualTo(6L);
    }

    @Test
    void complianceReportCountsVerdictsAgainstTheSlaTarget() throws Exception {
        ok(
                "{'op':'sla.put','actor':'user:a','name':'bronze','expectedVersion':0,'spec':{'name':'bronze','compliance':{'targetPercent':75.0}}}");
        StringBuilder results = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            results.append(i == 0 ? "" : ",")
                    .append("{'sla':'bronze','scope':{'kind':'TENANT','id':'acme'},'intervalStart':")
                    .append(T0 + i * 1000L)
                    .append(",'intervalMillis':1000,'dimension':'LATENCY','verdict':'")
                    .append(i < 6 ? "MET" : "MISSED")
                    .append("'}");
        }
        assertThat(ok("{'op':'compliance.append','actor':'system:services','results':[" + results + "]}")
                        .get("stored")
                        .asInt())
                .isEqualTo(8);
        JsonNode report = ok("{'op':'compliance.report','actor':'user:a','from':" + T0 + ",'to':" + (T0 + HOUR)
                + ",'tenant':'acme'}");
        JsonNode item = report.get("items").get(0);
        assertThat(item.get("intervals").asInt()).isEqualTo(8);
        assertThat(item.get("met").asInt()).isEqualTo(6);
        assertThat(item.get("metPercent").asDouble()).isEqualTo(75.0);
        assertThat(item.get("targetPercent").asDouble()).isEqualTo(75.0);
        assertThat(item.get("compliant").asBoolean()).isTrue();
        problem(
                "{'op':'compliance.append','actor':'s','results':[{'sla':'x','scope':{'kind':'TENANT','id':'a'},"
                        + "'intervalStart':1,'intervalMillis':1000,'dimension':'SPEED','verdict':'MET'}]}",
                CallStatus.INVALID);
    }

    @Test
    void alertsOpenUpdateAcknowledgeAndClear() throws Exception {
        JsonNode opened = ok("{'op':'alert.upsert','actor':'system:services','key':'latency:gold','severity':'WARNING',"
                + "'message':'p99 high','state':'OPEN','at':" + T0 + "}");
        long id = opened.get("id").asLong();
        JsonNode raised =
                ok("{'op':'alert.upsert','actor':'system:services','key':'latency:gold','severity':'CRITICAL',"
                        + "'message':'p99 very high','state':'OPEN','at':" + (T0 + 1000) + "}");
        assertThat(raised.get("id").asLong()).isEqualTo(id);
        assertThat(raised.get("severity").asText()).isEqualTo("CRITICAL");
        JsonNode acked = ok("{'op':'alert.ack','actor':'user:carol','id':" + id + "}");
        assertThat(acked.get("acknowledgedBy").asText()).isEqualTo("user:carol");
        JsonNode cleared =
                ok("{'op':'alert.upsert','actor':'system:services','key':'latency:gold','severity':'CRITICAL',"
                        + "'message':'ok','state':'CLEARED','at':" + (T0 + 5000) + "}");
        assertThat(cleared.get("clearedAt").asLong()).isEqualTo(T0 + 5000);
        assertThat(ok("{'op':'alert.list','actor':'user:a','state':'OPEN'}").get("items"))
                .isEmpty();
        problem("{'op':'alert.ack','actor':'user:carol','id':999999}", CallStatus.NOT_FOUND);
    }

    @Test
    void usersTokensAndSettings() throws Exception {
        JsonNode user = ok(
                "{'op':'user.create','actor':'system:web','login':'dave','role':'ADMIN','passwordHash':'$argon2id$x'}");
        assertThat(user.has("passwordHash")).isFalse();
        problem(
                "{'op':'user.create','actor':'system:web','login':'dave','role':'ADMIN','passwordHash':'h'}",
                CallStatus.CONFLICT);
        assertThat(ok("{'op':'user.get','actor':'system:web','login':'dave'}")
                        .get("passwordHash")
                        .asText())
                .isEqualTo("$argon2id$x");
        assertThat(ok("{'op':'user.update','actor':'user:dave','login':'dave','disabled':true}")
                        .get("disabled")
                        .asBoolean())
                .isTrue();
        problem("{'op':'user.update','actor':'user:dave','login':'nobody','disabled':true}", CallStatus.NOT_FOUND);
        problem(
                "{'op':'user.create','actor':'system:web','login':'eve','role':'ROOT','passwordHash':'h'}",
                CallStatus.INVALID);

        ok("{'op':'token.create','actor':'user:dave','name':'ci','role':'OPERATOR','tokenHash':'abc123'}");
        assertThat(ok("{'op':'token.find','actor':'system:web','tokenHash':'abc123'}")
                        .get("name")
                        .asText())
                .isEqualTo("ci");
        assertThat(ok("{'op':'token.revoke','actor':'user:dave','name':'ci'}")
                        .get("revoked")
                        .asBoolean())
                .isTrue();
        problem("{'op':'token.find','actor':'system:web','tokenHash':'nope'}", CallStatus.NOT_FOUND);

        ok("{'op':'setting.put','actor':'system:web','key':'setup.token','value':'hash1'}");
        ok("{'op':'setting.put','actor':'system:web','key':'setup.token','value':'hash2'}");
        assertThat(ok("{'op':'setting.get','actor':'system:web','key':'setup.token'}")
                        .get("value")
                        .asText())
                .isEqualTo("hash2");
        JsonNode audit =
                ok("{'op':'audit.list','actor':'user:a','byActor':'user:dave'}").get("items");
        assertThat(audit)
                .extracting(a -> a.get("action").asText())
                .contains("token.create", "token.revoke", "user.update");
    }

    @Test
    void aCallRevokedBeforeItsTransactionCommitsWritesNothingAndSaysSo() throws Exception {
        String put =
                "{'op':'sla.put','actor':'user:a','name':'revoked','expectedVersion':0,'spec':{'name':'revoked','iopsLimit':100}}";
        JsonCalls.Answer answer = CallCancellation.during(() -> true, () -> call(put));
        assertThat(answer.status()).isEqualTo(MailboxStatus.CANCELLED);
        problem("{'op':'sla.get','actor':'user:a','name':'revoked'}", CallStatus.NOT_FOUND);
        JsonCalls.Answer kept = CallCancellation.during(() -> false, () -> call(put));
        assertThat(kept.status()).isEqualTo(CallStatus.OK);
        assertThat(ok("{'op':'sla.get','actor':'user:a','name':'revoked'}")
                        .get("version")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void volumesAreRegisteredManyPerCallAndListedAPageAtATimeSoThousandsFitASlot() throws Exception {
        for (int from = 1; from <= 2_500; from += 500) {
            StringBuilder items = new StringBuilder();
            for (int id = from; id < from + 500; id++) {
                items.append(items.isEmpty() ? "" : ",")
                        .append("{'volumeId':")
                        .append(id)
                        .append(",'gatewayId':")
                        .append(1 + id / 1_000)
                        .append(",'backendId':'disk','allocatedBytes':")
                        .append(id)
                        .append('}');
            }
            assertThat(ok("{'op':'volumes.upsert','actor':'system:services','items':[" + items + "]}")
                            .get("stored")
                            .asInt())
                    .isEqualTo(500);
        }
        problem(
                "{'op':'volumes.upsert','actor':'system:services','items':[{'volumeId':0,'gatewayId':1}]}",
                CallStatus.INVALID);
        problem("{'op':'volumes.upsert','actor':'system:services','items':[]}", CallStatus.INVALID);
        List<Integer> ids = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = ok(
                    "{'op':'volume.list','actor':'user:a'" + (after == null ? "" : ",'after':'" + after + "'") + "}");
            page.get("items").forEach(v -> ids.add(v.get("volumeId").asInt()));
            after = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(ids).hasSize(2_500).isSorted().doesNotHaveDuplicates();
        JsonNode last = ok("{'op':'volume.list','actor':'user:a','limit':1,'after':'2499'}")
                .get("items")
                .get(0);
        assertThat(last.get("gatewayId").asLong()).isEqualTo(3);
        assertThat(last.get("allocatedBytes").asLong()).isEqualTo(2_500);
        assertThat(ok("{'op':'volume.list','actor':'user:a','limit':10,'after':'2495'}")
                        .get("items"))
                .hasSize(5);
    }

    @Test
    void registryOfGatewaysVolumesAndBackends() throws Exception {
        ok(
                "{'op':'gateway.upsert','actor':'system:services','gatewayId':11,'state':'PENDING','address':'10.0.0.1:7000'}");
        JsonNode approved =
                ok("{'op':'gateway.upsert','actor':'user:a','gatewayId':11,'state':'APPROVED','keyHash':'k'}");
        assertThat(approved.get("address").asText()).isEqualTo("10.0.0.1:7000");
        assertThat(ok("{'op':'gateway.list','actor':'user:a','state':'APPROVED'}")
                        .get("items"))
                .hasSize(1);
        ok(
                "{'op':'volume.upsert','actor':'system:services','volumeId':5,'gatewayId':11,'backendId':'fast','allocatedBytes':100}");
        assertThat(ok("{'op':'volume.list','actor':'user:a'}")
                        .get("items")
                        .get(0)
                        .get("backendId")
                        .asText())
                .isEqualTo("fast");
        ok(
                "{'op':'backend.upsert','actor':'system:services','backendId':'fast','capacityBytes':1000,'usedBytes':10,'at':"
                        + T0 + "}");
        ok(
                "{'op':'backend.upsert','actor':'system:services','backendId':'fast','capacityBytes':1000,'usedBytes':20,'at':"
                        + (T0 + 1) + "}");
        assertThat(ok("{'op':'backend.list','actor':'user:a'}")
                        .get("items")
                        .get(0)
                        .get("usedBytes")
                        .asLong())
                .isEqualTo(20);
        assertThat(ok("{'op':'backend.history','actor':'user:a','backendId':'fast','from':0,'to':" + (T0 + 10) + "}")
                        .get("items"))
                .hasSize(2);
        problem("{'op':'gateway.upsert','actor':'user:a','gatewayId':'eleven','state':'APPROVED'}", CallStatus.INVALID);
    }

    @Test
    void volumesAreKnownByNameAndFoundByAnyPartOfIt() throws Exception {
        ok("{'op':'gateway.upsert','actor':'system:services','gatewayId':12,'name':'qhost-a','state':'APPROVED'}");
        ok("{'op':'volumes.upsert','actor':'system:services','items':["
                + "{'volumeId':9001,'gatewayId':12,'exportName':'disk1','gatewayName':'qhost-a'},"
                + "{'volumeId':9002,'gatewayId':13,'exportName':'disk1','gatewayName':'qhost-b'},"
                + "{'volumeId':9003,'gatewayId':13,'exportName':'qlun_7','gatewayName':'qhost-b','shared':true},"
                + "{'volumeId':9040,'gatewayId':14}]}");
        // A report that knows only the id keeps the names.
        ok("{'op':'volume.upsert','actor':'system:services','volumeId':9001,'gatewayId':12,'usedBytes':5}");
        JsonNode all =
                ok("{'op':'volume.list','actor':'user:a','after':'9000'}").get("items");
        assertThat(all)
                .extracting(v -> v.get("name").isNull() ? null : v.get("name").asText())
                .containsExactly("qhost-a/disk1", "qhost-b/disk1", "qlun_7", null);
        assertThat(all.get(2).get("shared").asBoolean()).isTrue();
        assertThat(all.get(0).get("exportName").asText()).isEqualTo("disk1");
        assertThat(ok("{'op':'gateway.list','actor':'user:a'}").get("items"))
                .anyMatch(g -> g.path("name").asText().equals("qhost-a"));

        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'QHOST-B'}")))
                .containsExactly(9002, 9003);
        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'qhost-a/d'}")))
                .containsExactly(9001);
        // A LIKE wildcard in the text is matched as itself.
        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'qlun_7'}")))
                .containsExactly(9003);
        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'qlun%'}")))
                .isEmpty();
        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'9040'}")))
                .containsExactly(9040);
        assertThat(ids(ok("{'op':'volume.list','actor':'user:a','match':'disk','limit':1,'after':'9001'}")))
                .containsExactly(9002);
        problem("{'op':'volume.list','actor':'user:a','match':'" + "x".repeat(201) + "'}", CallStatus.INVALID);
        problem(
                "{'op':'volume.upsert','actor':'system:services','volumeId':9005,'gatewayId':12,'exportName':'d'}",
                CallStatus.INVALID);
    }

    private static List<Integer> ids(JsonNode page) {
        List<Integer> ids = new ArrayList<>();
        page.get("items").forEach(v -> ids.add(v.get("volumeId").asInt()));
        return ids;
    }

    @Test
    void badRequestsGetTypedProblems() throws Exception {
        problem("{not json", CallStatus.INVALID);
        problem("[1,2]", CallStatus.INVALID);
        problem("{'op':'sla.explode','actor':'user:a'}", CallStatus.UNKNOWN_OP);
        problem("{'actor':'user:a'}", CallStatus.INVALID);
        JsonNode missingActor = problem("{'op':'sla.list'}", CallStatus.INVALID);
        assertThat(missingActor.get("field").asText()).isEqualTo("actor");
        JsonNode wrongType =
                problem("{'op':'samples.range','actor':'a','volumeId':1.5,'from':0,'to':10}", CallStatus.INVALID);
        assertThat(wrongType.get("field").asText()).isEqualTo("volumeId");
        problem("{'op':'samples.range','actor':'a','volumeId':1,'from':10,'to':0}", CallStatus.INVALID);
        problem(
                "{'op':'samples.range','actor':'a','volumeId':1,'from':0,'to':10,'resolution':'5s'}",
                CallStatus.INVALID);
        problem("{'op':'sla.list','actor':'a','limit':0}", CallStatus.INVALID);
        assertThat(ok("{'op':'status','actor':'a'}").get("engine").asText())
                .isEqualTo(database.engine().label());
    }
}
