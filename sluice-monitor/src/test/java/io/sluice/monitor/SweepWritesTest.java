package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a sweep costs the outbound side, counted: with sockets that keep up, a sweep of N gateways is N writes of one
 * POLL each and no change to any selector's interest set, and every answer is read and handed on. The monitor's own
 * timer is a minute, so the only sweeps are the ones asked for here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SweepWritesTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final int GATEWAYS = 24;

    private Path monitorBox;
    private Path servicesBox;
    private MonitorDaemon daemon;
    private MailboxService services;
    private MailboxClient monitorClient;

    @BeforeEach
    void start() throws Exception {
        monitorBox = ShmNames.file("monitor");
        servicesBox = ShmNames.file("services");
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(LongStream.rangeClosed(1, GATEWAYS).boxed().collect(Collectors.toSet()))
                .withPolling(60_000, 10)
                .withPairs(2, GATEWAYS);
        daemon = new MonitorDaemon(context);
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "test-services")
                .start();
        monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    @AfterEach
    void stop() throws Exception {
        monitorClient.close();
        daemon.close();
        services.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void aSweepOfNGatewaysIsNWritesAndNoInterestChanges() throws Exception {
        List<TestGateway> gateways = new ArrayList<>();
        try {
            for (long id = 1; id <= GATEWAYS; id++) {
                TestGateway gw = new TestGateway(daemon.address(), id);
                gateways.add(gw);
                assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            }
            Await.until(20_000, () -> daemon.sessionsInSession() == GATEWAYS);
            // CHALLENGE, AUTH_RESULT and VOLUME_IDS each: a write is counted once it returned, which may be after the
            // gateway read it.
            Await.until(20_000, () -> daemon.counters().framesWritten() == 3L * GATEWAYS);
            for (int sweep = 1; sweep <= 3; sweep++) {
                MonitorCounters counters = daemon.counters();
                long frames = counters.framesWritten();
                long gathered = counters.writesGathered();
                long watched = counters.writabilityWatched();
                long polls = counters.pollsSent();
                long answered = counters.pollsAnswered();
                long forwarded = counters.reportsForwarded();

                assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, new byte[0])).isEqualTo(MailboxStatus.OK);
                for (TestGateway gw : gateways) {
                    gw.expect(FrameType.POLL);
                    gw.answer();
                }
                Await.until(
                        20_000,
                        () -> daemon.counters().reportsForwarded() == forwarded + GATEWAYS
                                && daemon.counters().framesWritten() >= frames + GATEWAYS);

                assertThat(counters.pollsSent() - polls)
                        .as("sweep %d: polls", sweep)
                        .isEqualTo(GATEWAYS);
                assertThat(counters.framesWritten() - frames)
                        .as("sweep %d: frames written", sweep)
                        .isEqualTo(GATEWAYS);
                assertThat(counters.writesGathered() - gathered)
                        .as("sweep %d: writes of more than one frame (so writes = frames)", sweep)
                        .isZero();
                assertThat(counters.writabilityWatched() - watched)
                        .as("sweep %d: interest-set changes for writability", sweep)
                        .isZero();
                assertThat(counters.pollsAnswered() - answered)
                        .as("sweep %d: answers read", sweep)
                        .isEqualTo(GATEWAYS);
            }
        } finally {
            for (TestGateway gw : gateways) {
                gw.close();
            }
        }
    }

    private int call(int opcode, byte[] params) throws Exception {
        return monitorClient.call(opcode, params).get(10, TimeUnit.SECONDS).status();
    }
}
