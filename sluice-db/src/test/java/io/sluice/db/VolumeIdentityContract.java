package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.db.store.VolumeIdentityRepository;
import io.sluice.protocol.CallStatus;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The volume ids in the database (migrations V10 and V11) through the {@code volumeid.*} ops and
 * {@link VolumeIdentityRepository}: a proposal honoured when free, the next above every id otherwise, a key's id kept
 * for good, shared names one volume, the caps, one winner of monitors racing (each on its own connection), and the
 * import of an old file where the database's assignments win. A subclass per engine runs the same tests.
 */
abstract class VolumeIdentityContract extends DbOpsContract {
    /** Rounds of the race; raise it ({@code -Dsluice.test.identityRounds=5000}) to stress the engines under load. */
    static final int ROUNDS = Integer.getInteger("sluice.test.identityRounds", 20);

    static final String BIG = "'maxPerGateway':100000,'maxInAll':1000000";

    final VolumeIdentityRepository identities = new VolumeIdentityRepository();

    List<Integer> assign(long gatewayId, String items) throws Exception {
        JsonNode answer = ok("{'op':'volumeid.assign','actor':'system:monitor','gatewayId':" + gatewayId + "," + BIG
                + ",'items':[" + items + "]}");
        assertThat(answer.path("capped").asBoolean()).as(answer.toString()).isFalse();
        List<Integer> ids = new ArrayList<>();
        answer.path("ids").forEach(id -> ids.add(id.asInt()));
        return ids;
    }

    int highest() throws Exception {
        return database.inTransaction(c -> {
            int max = 0;
            for (VolumeIdentityRepository.Identity i : identities.page(c, 0, 1_000_000)) {
                max = Math.max(max, i.volumeId());
            }
            return max;
        });
    }

    @Test
    void aProposalIsHonouredWhenFreeAndAKeyKeepsItsIdForGood() throws Exception {
        List<Integer> first = assign(
                11,
                "{'name':'disk1','proposed':50001},{'name':'disk2','proposed':50001},"
                        + "{'name':'lun7','shared':true,'proposed':0}");
        assertThat(first.get(0)).isEqualTo(50001);
        assertThat(first.get(1))
                .as("its proposal is held: above every id given")
                .isGreaterThan(50001);
        assertThat(first.get(2)).isGreaterThan(first.get(1));
        assertThat(assign(11, "{'name':'disk2','proposed':7},{'name':'disk1','proposed':9}"))
                .as("kept for good, whatever is proposed later")
                .containsExactly(first.get(1), first.get(0));
        int above = highest();
        List<Integer> other = assign(12, "{'name':'disk1','proposed':50001},{'name':'lun7','shared':true}");
        assertThat(other.get(0)).as("another gateway's disk1 is another volume").isEqualTo(above + 1);
        assertThat(other.get(1)).as("a shared name is one volume").isEqualTo(first.get(2));
    }

    @Test
    void namesPastACapGetNoIdsAndNothingIsStored() throws Exception {
        String capped = "{'op':'volumeid.assign','actor':'m','gatewayId':21,'maxPerGateway':2,'maxInAll':1000000,";
        assertThat(ok(capped + "'items':[{'name':'a'},{'name':'b'}]}")
                        .path("capped")
                        .asBoolean())
                .isFalse();
        JsonNode refused = ok(capped + "'items':[{'name':'a'},{'name':'c'}]}");
        assertThat(refused.path("capped").asBoolean()).isTrue();
        assertThat(refused.path("ids").isNull()).isTrue();
        int notGiven = database.inTransaction(c -> identities.idOf(c, "21", "c"));
        assertThat(notGiven).isZero();
        assertThat(ok(capped + "'items':[{'name':'b'},{'name':'a'}]}")
                        .path("capped")
                        .asBoolean())
                .as("known names pass whatever the cap")
                .isFalse();
        int all = database.inTransaction(c -> identities.count(c, null));
        JsonNode full = ok("{'op':'volumeid.assign','actor':'m','gatewayId':22,'maxPerGateway':100,'maxInAll':" + all
                + ",'items':[{'name':'x'}]}");
        assertThat(full.path("capped").asBoolean()).isTrue();
        assertThat(status("{'op':'volumeid.assign','actor':'m','gatewayId':0," + BIG + ",'items':[{'name':'a'}]}"))
                .isEqualTo(CallStatus.INVALID);
        assertThat(status("{'op':'volumeid.assign','actor':'m','gatewayId':5," + BIG + ",'items':[{'name':''}]}"))
                .isEqualTo(CallStatus.INVALID);
    }

    /**
     * Eight monitors giving ids at once, each on its own connection: one key gets one id whoever asks, and keys racing
     * for one proposal get distinct ids, exactly one of them the proposal.
     */
    @Test
    void racingMonitorsAgreeOnEveryId() throws Exception {
        ExecutorService racers = Executors.newFixedThreadPool(RACERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int proposal = 60_000 + round;
                String sameKey = "race-" + round;
                CyclicBarrier start = new CyclicBarrier(RACERS);
                List<Future<int[]>> answers = new ArrayList<>();
                for (int i = 0; i < RACERS; i++) {
                    String ownName = "own-" + round + "-" + i;
                    int proposed = proposal + i;
                    answers.add(racers.submit(() -> {
                        try (Connection c = database.dataSource().getConnection()) {
                            c.setAutoCommit(false);
                            start.await(30, TimeUnit.SECONDS);
                            int shared = identities.assign(c, "900", sameKey, proposed, T0);
                            int own = identities.assign(c, "901", ownName, proposal, T0);
                            c.commit();
                            return new int[] {shared, own};
                        }
                    }));
                }
                Set<Integer> sameKeyIds = new HashSet<>();
                Set<Integer> ownIds = new HashSet<>();
                for (Future<int[]> answer : answers) {
                    int[] ids = answer.get(60, TimeUnit.SECONDS);
                    sameKeyIds.add(ids[0]);
                    ownIds.add(ids[1]);
                }
                assertThat(sameKeyIds)
                        .as("round " + round + ": one id for one key")
                        .hasSize(1);
                int stored = database.inTransaction(c -> identities.idOf(c, "900", sameKey));
                assertThat(stored).isEqualTo(sameKeyIds.iterator().next());
                assertThat(ownIds)
                        .as("round " + round + ": a distinct id per key")
                        .hasSize(RACERS);
                assertThat(ownIds).doesNotContainAnyElementsOf(sameKeyIds);
            }
        } finally {
            racers.shutdownNow();
        }
    }

    @Test
    void anOldFileIsImportedOnceAndTheDatabaseWins() throws Exception {
        List<Integer> kept = assign(31, "{'name':'vol-a','proposed':70001}");
        assertThat(kept).containsExactly(70001);
        String items = "{'volumeId':70002,'owner':'31','name':'vol-b'},"
                + "{'volumeId':70001,'owner':'32','name':'vol-c'},"
                + "{'volumeId':70003,'owner':'31','name':'vol-a'},"
                + "{'volumeId':70004,'owner':'*','name':'lun-d'}";
        JsonNode first = ok("{'op':'volumeid.import','actor':'system:monitor','items':[" + items + "]}");
        assertThat(first.path("stored").asInt()).isEqualTo(2);
        assertThat(first.path("kept").asInt()).isEqualTo(2);
        JsonNode again = ok("{'op':'volumeid.import','actor':'system:monitor','items':[" + items + "]}");
        assertThat(again.path("stored").asInt()).as("idempotent").isZero();
        assertThat(assign(31, "{'name':'vol-a'},{'name':'vol-b'},{'name':'lun-d','shared':true}"))
                .containsExactly(70001, 70002, 70004);
        assertThat(assign(32, "{'name':'vol-c','proposed':70001}").getFirst())
                .as("the file's vol-c lost its id to the database's vol-a: it gets a new one")
                .isNotEqualTo(70001);
        assertThat(status("{'op':'volumeid.import','actor':'m','items':[{'volumeId':1,'owner':'x','name':'n'}]}"))
                .isEqualTo(CallStatus.INVALID);
    }

    @Test
    void theListPagesByIdInOrder() throws Exception {
        assign(41, "{'name':'p1','proposed':80001},{'name':'p2','proposed':80002},{'name':'p3','proposed':80003}");
        List<Integer> seen = new ArrayList<>();
        JsonNode page = ok("{'op':'volumeid.list','actor':'m','limit':2}");
        while (true) {
            page.path("items").forEach(i -> seen.add(i.path("volumeId").asInt()));
            if (page.path("next").isNull()) {
                break;
            }
            page = ok("{'op':'volumeid.list','actor':'m','limit':2,'after':"
                    + page.path("next").asInt() + "}");
        }
        assertThat(seen).isSorted().doesNotHaveDuplicates().contains(80001, 80002, 80003);
    }
}
