package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.web.ApiBehaviourTest;
import io.sluice.web.harness.Backend;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** CSRF, hostile bodies, versions, headers and the API document against the real database manager and SLA services. */
@Tag("system")
class RealApiBehaviourTest extends ApiBehaviourTest {
    /** The end of the hour of 1 s history the paging test asks for. */
    private static final long HISTORY_TO = 1_800_000_000_000L;

    @Override
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new RealBackend(mailboxDir, serverName);
    }

    /** A simulated gateway presenting the token is taken into session by the real monitor; a second is not. */
    @Override
    protected void assertEnrollmentTokenAdmitsAGateway(String token) throws Exception {
        RealBackend real = (RealBackend) backend;
        for (long gatewayId : new long[] {901, 902}) {
            try (Simulator gateway = Simulator.start(SimContext.builder(real.monitorAddress(), RealBackend.SECRET)
                    .gateways(1)
                    .volumesPerGateway(1)
                    .firstGatewayId(gatewayId)
                    .enrollmentToken(token)
                    .seed(gatewayId)
                    .build())) {
                boolean admitted = gateway.awaitCondition(s -> s.total().inSession() == 1, Duration.ofSeconds(20));
                if (gatewayId == 901) {
                    assertThat(admitted)
                            .as("gateway 901 enrolled with the token: " + gateway.snapshot())
                            .isTrue();
                } else {
                    assertThat(gateway.awaitCondition(s -> s.total().authRefused() > 0, Duration.ofSeconds(20)))
                            .as("the token admits one gateway only: " + gateway.snapshot())
                            .isTrue();
                    assertThat(gateway.snapshot().total().inSession()).isZero();
                }
            }
        }
    }

    /**
     * What the in-memory harness makes up, stored for real: an hour of samples of volume 7 (more than a slot holds at 1
     * s), and the SLA services' verdicts on the "bronze" SLA of volume 7, which they would send only after judging some
     * intervals of that volume's reports.
     */
    @BeforeAll
    void recordHistory() throws Exception {
        RecordedHistory.appendSeconds(backend, 7, HISTORY_TO, 3_600);
        long now = System.currentTimeMillis();
        ObjectNode args = seeder.args();
        for (int i = 1; i <= 3; i++) {
            args.withArray("results")
                    .addObject()
                    .put("sla", "bronze")
                    .put("intervalStart", now - i * 1_000L)
                    .put("intervalMillis", 1_000)
                    .put("dimension", "LIMIT")
                    .put("verdict", "MET")
                    .putObject("scope")
                    .put("kind", "VOLUME")
                    .put("id", "7");
        }
        seeder.db("compliance.append", args);
    }
}
