package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.db.store.GatewayAdmissionRepository;
import io.sluice.protocol.CallStatus;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The monitor's gateway registry in the database (migration V9) through the {@code admission.*} ops and
 * {@link GatewayAdmissionRepository}: standings, bindings, single-use tokens (one winner of any number of uses racing,
 * each on its own connection), and the import of a registry file merging so that revocations, uses and unbindings win.
 * A subclass per engine runs the same tests.
 */
abstract class GatewayAdmissionContract extends DbOpsContract {
    static final int ROUNDS = 30;
    private static final AtomicLong NEXT_TOKEN = new AtomicLong();

    final GatewayAdmissionRepository admission = new GatewayAdmissionRepository();

    String standing(long gatewayId) throws Exception {
        return database.inTransaction(c -> admission.standing(c, gatewayId));
    }

    Boolean used(String hash) throws Exception {
        return database.inTransaction(c -> admission.tokenUsed(c, hash));
    }

    static String newHash() {
        byte[] bytes = new byte[32];
        long n = NEXT_TOKEN.incrementAndGet() + System.nanoTime();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (n >>> (8 * i));
        }
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void standingsAreSetPagedAndAudited() throws Exception {
        ok("{'op':'admission.standing.set','actor':'system:monitor','gatewayId':101,'standing':'APPROVED'}");
        ok("{'op':'admission.standing.set','actor':'system:monitor','gatewayId':102,'standing':'REVOKED'}");
        ok("{'op':'admission.standing.set','actor':'system:monitor','gatewayId':103,'standing':'APPROVED'}");
        ok("{'op':'admission.standing.set','actor':'system:monitor','gatewayId':103,'standing':'REVOKED'}");
        JsonNode first = ok("{'op':'admission.standings','actor':'system:monitor','after':100,'limit':2}");
        assertThat(first.get("approved")).extracting(JsonNode::asLong).containsExactly(101L);
        assertThat(first.get("revoked")).extracting(JsonNode::asLong).containsExactly(102L);
        JsonNode second = ok("{'op':'admission.standings','actor':'system:monitor','after':"
                + first.get("next").asLong()
                + ",'limit':2}");
        assertThat(second.get("revoked")).extracting(JsonNode::asLong).contains(103L);
        assertThat(status("{'op':'admission.standing.set','actor':'a','gatewayId':0,'standing':'APPROVED'}"))
                .isEqualTo(CallStatus.INVALID);
        assertThat(status("{'op':'admission.standing.set','actor':'a','gatewayId':5,'standing':'PENDING'}"))
                .isEqualTo(CallStatus.INVALID);
        JsonNode audit = ok("{'op':'audit.list','actor':'user:admin','limit':100}");
        assertThat(audit.get("items").findValuesAsText("action")).contains("admission.standing.set");
    }

    @Test
    void aTokenAdmitsOneGatewayOnceAndNeverComesBack() throws Exception {
        String hash = newHash();
        assertThat(ok("{'op':'admission.token.add','actor':'m','tokenHash':'" + hash + "'}")
                        .get("added")
                        .asBoolean())
                .isTrue();
        assertThat(ok("{'op':'admission.token.add','actor':'m','tokenHash':'" + hash + "'}")
                        .get("added")
                        .asBoolean())
                .as("adding it again is harmless")
                .isTrue();
        assertThat(ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + hash + "','gatewayId':201}")
                        .get("outcome")
                        .asText())
                .isEqualTo("USED");
        assertThat(ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + hash + "','gatewayId':202}")
                        .get("outcome")
                        .asText())
                .isEqualTo("BAD_TOKEN");
        assertThat(ok("{'op':'admission.token.add','actor':'m','tokenHash':'" + hash + "'}")
                        .get("added")
                        .asBoolean())
                .as("a used token is never usable again")
                .isFalse();
        assertThat(standing(201)).isEqualTo("APPROVED");
        assertThat(standing(202)).isNull();
        assertThat(ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + newHash() + "','gatewayId':203}")
                        .get("outcome")
                        .asText())
                .as("an unknown token")
                .isEqualTo("BAD_TOKEN");
    }

    @Test
    void aRevokedGatewayUsesNoToken() throws Exception {
        String hash = newHash();
        ok("{'op':'admission.token.add','actor':'m','tokenHash':'" + hash + "'}");
        ok("{'op':'admission.standing.set','actor':'m','gatewayId':301,'standing':'REVOKED'}");
        assertThat(ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + hash + "','gatewayId':301}")
                        .get("outcome")
                        .asText())
                .isEqualTo("REVOKED");
        assertThat(used(hash)).as("the token is left unused").isFalse();
        assertThat(standing(301)).isEqualTo("REVOKED");
    }

    /** Two (here eight) monitors presenting one token at once, each on its own connection: exactly one wins. */
    @Test
    void racingUsesOfOneTokenHaveOneWinner() throws Exception {
        ExecutorService racers = Executors.newFixedThreadPool(RACERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String hash = newHash();
                database.inTransaction(c -> admission.addToken(c, hash, T0));
                CyclicBarrier start = new CyclicBarrier(RACERS);
                List<Future<GatewayAdmissionRepository.TokenUse>> uses = new ArrayList<>();
                for (int i = 0; i < RACERS; i++) {
                    long gatewayId = 10_000L + round * 100L + i;
                    uses.add(racers.submit(() -> {
                        try (Connection c = database.dataSource().getConnection()) {
                            c.setAutoCommit(false);
                            start.await(30, TimeUnit.SECONDS);
                            GatewayAdmissionRepository.TokenUse use = admission.useToken(c, hash, gatewayId, T0);
                            c.commit();
                            return use;
                        }
                    }));
                }
                int winners = 0;
                for (Future<GatewayAdmissionRepository.TokenUse> use : uses) {
                    GatewayAdmissionRepository.TokenUse outcome = use.get(60, TimeUnit.SECONDS);
                    assertThat(outcome)
                            .isIn(
                                    GatewayAdmissionRepository.TokenUse.USED,
                                    GatewayAdmissionRepository.TokenUse.BAD_TOKEN);
                    winners += outcome == GatewayAdmissionRepository.TokenUse.USED ? 1 : 0;
                }
                assertThat(winners).as("round " + round).isEqualTo(1);
                int approved = 0;
                for (int i = 0; i < RACERS; i++) {
                    long gatewayId = 10_000L + round * 100L + i;
                    approved += "APPROVED".equals(standing(gatewayId)) ? 1 : 0;
                }
                assertThat(approved)
                        .as("only the winner is approved, round " + round)
                        .isEqualTo(1);
            }
        } finally {
            racers.shutdownNow();
        }
    }

    @Test
    void bindingsAreKeptAndUnbindingWins() throws Exception {
        ok("{'op':'admission.binding.set','actor':'m','gatewayId':401,'name':'lun-401','bound':true}");
        ok("{'op':'admission.binding.set','actor':'m','gatewayId':402,'name':'lun-401','bound':false}");
        JsonNode page = ok("{'op':'admission.bindings','actor':'m'}");
        assertThat(page.get("items").toString())
                .contains(
                        "{\"name\":\"lun-401\",\"gatewayId\":401,\"bound\":true}",
                        "{\"name\":\"lun-401\",\"gatewayId\":402,\"bound\":false}");
        assertThat(status("{'op':'admission.binding.set','actor':'m','gatewayId':401,'name':''}"))
                .isEqualTo(CallStatus.INVALID);
    }

    /**
     * A registry file imported twice, or in any order of its kinds, ends the same: revocations, uses, unbindings win.
     */
    @Test
    void importMergesConservatively() throws Exception {
        String unused = newHash();
        String used = newHash();
        String usedOnRecord = newHash();
        ok("{'op':'admission.standing.set','actor':'m','gatewayId':502,'standing':'APPROVED'}");
        ok("{'op':'admission.standing.set','actor':'m','gatewayId':503,'standing':'REVOKED'}");
        ok("{'op':'admission.token.add','actor':'m','tokenHash':'" + usedOnRecord + "'}");
        ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + usedOnRecord + "','gatewayId':504}");
        ok("{'op':'admission.binding.set','actor':'m','gatewayId':505,'name':'lun-5','bound':false}");
        String file = "{'op':'admission.import','actor':'system:monitor','approved':[501,503],'revoked':[502],"
                + "'tokens':['" + unused + "','" + usedOnRecord + "'],'used':['" + used + "'],"
                + "'bound':[{'name':'lun-5','gatewayId':505},{'name':'lun-6','gatewayId':506}],"
                + "'unbound':[{'name':'lun-7','gatewayId':507}]}";
        for (int i = 0; i < 2; i++) {
            assertThat(ok(file).get("entries").asInt()).isEqualTo(9);
            assertThat(standing(501)).isEqualTo("APPROVED");
            assertThat(standing(502)).as("the file's revocation wins").isEqualTo("REVOKED");
            assertThat(standing(503)).as("the database's revocation stays").isEqualTo("REVOKED");
            assertThat(used(unused)).isFalse();
            assertThat(used(used)).isTrue();
            assertThat(used(usedOnRecord)).as("a use on record stays").isTrue();
        }
        String bindings =
                ok("{'op':'admission.bindings','actor':'m'}").get("items").toString();
        assertThat(bindings)
                .contains(
                        "{\"name\":\"lun-5\",\"gatewayId\":505,\"bound\":false}",
                        "{\"name\":\"lun-6\",\"gatewayId\":506,\"bound\":true}",
                        "{\"name\":\"lun-7\",\"gatewayId\":507,\"bound\":false}");
        assertThat(ok("{'op':'admission.token.use','actor':'m','tokenHash':'" + used + "','gatewayId':508}")
                        .get("outcome")
                        .asText())
                .as("a token the file says was used admits nobody")
                .isEqualTo("BAD_TOKEN");
    }

    /** The last throttle set per volume and gateway: a newer version replaces it, an older one never does. */
    @Test
    void throttleSetsKeepTheNewestVersionPerVolumeAndGateway() throws Exception {
        String settings = "[1,5000,0,0,100,0,0,4096,20000,0,0,0,0,0]";
        ok("{'op':'throttleset.record','actor':'system:services','items':[{'volumeId':7,'gatewayId':1,'version':100,"
                + "'settings':" + settings + "},{'volumeId':7,'gatewayId':2,'version':100,'settings':" + settings
                + "}]}");
        ok("{'op':'throttleset.record','actor':'system:services','items':[{'volumeId':7,'gatewayId':1,'version':200,"
                + "'settings':" + settings.replace("5000", "4000") + "}]}");
        ok("{'op':'throttleset.record','actor':'system:services','items':[{'volumeId':7,'gatewayId':1,'version':150,"
                + "'settings':" + settings.replace("5000", "3000") + "}]}");
        JsonNode first = ok("{'op':'throttleset.list','actor':'system:services','limit':1}");
        assertThat(first.get("items").get(0).get("version").asLong())
                .as("the newest version wins")
                .isEqualTo(200);
        assertThat(first.get("items").get(0).get("settings").get(1).asLong()).isEqualTo(4000);
        JsonNode second = ok("{'op':'throttleset.list','actor':'system:services','limit':1,'after':"
                + first.get("next").asInt()
                + "}");
        assertThat(second.get("items").get(0).get("gatewayId").asLong()).isEqualTo(2);
        assertThat(status("{'op':'throttleset.record','actor':'s','items':[{'volumeId':7,'gatewayId':1,'version':300,"
                        + "'settings':[1,2]}]}"))
                .as("a set has 14 settings")
                .isEqualTo(CallStatus.INVALID);
    }
}
