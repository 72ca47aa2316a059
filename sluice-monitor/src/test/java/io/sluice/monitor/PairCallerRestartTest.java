package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A monitor process killed with its pair's reports still in the services' mailbox: its successor takes the pair's
 * caller index back from the dead process and collects every reply, so no slot is left to the dead.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PairCallerRestartTest {
    @Test
    void aSuccessorCollectsTheRepliesOfAKilledMonitorsPairCalls() throws Exception {
        String tag = ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path monitorBox = Path.of("/dev/shm/sluice-test-monitor-" + tag);
        Path servicesBox = Path.of("/dev/shm/sluice-test-services-" + tag);
        Process killed = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-XX:+UseSerialGC",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        MonitorProcessMain.class.getName(),
                        monitorBox.toString(),
                        servicesBox.toString(),
                        "2000")
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader output =
                    new BufferedReader(new InputStreamReader(killed.getInputStream(), StandardCharsets.UTF_8));
            String first = output.readLine();
            assertThat(first).as("the monitor process's first line").startsWith("listening ");
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(first.substring(10)));
            try (Mailbox services = Mailbox.open(servicesBox)) {
                // The services take nothing yet: the volumes' announcement and the report wait, under pair 0's index.
                try (TestGateway gw = new TestGateway(address, 1)) {
                    assertThat(gw.handshake(MonitorProcessMain.SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                    gw.answerPoll(0);
                    Await.until(
                            60_000,
                            () -> MailboxSnapshot.take(services).slots().stream()
                                    .anyMatch(slot -> slot.callerIndex() == ServerMailboxes.CALLER_MONITOR_PAIRS
                                            && slot.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH));
                    killed.destroyForcibly();
                    assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
                }
                long left = callsOf(services, ServerMailboxes.CALLER_MONITOR_PAIRS);
                assertThat(left).isGreaterThanOrEqualTo(2);
                MonitorContext context = MonitorContext.defaults(
                                new InetSocketAddress("127.0.0.1", 0),
                                monitorBox,
                                servicesBox,
                                MonitorProcessMain.SECRET)
                        .withApproved(Set.of(1L))
                        .withPairs(1, 10);
                try (MonitorDaemon successor = new MonitorDaemon(context);
                        MailboxCallee callee = MailboxCallee.attach(services)) {
                    assertThat(successor.services().inherited())
                            .as("the dead monitor's calls under its pair index")
                            .isEqualTo(left);
                    Await.until(60_000, () -> {
                        callee.poll(request -> request.reply(MailboxStatus.OK, 0), 64);
                        return successor.services().inheritedOutstanding() == 0;
                    });
                    Await.until(60_000, () -> callsOf(services, ServerMailboxes.CALLER_MONITOR_PAIRS) == 0);
                }
            }
        } finally {
            killed.destroyForcibly();
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        }
    }

    /** Slots of {@code callerIndex} that are not free. */
    private static long callsOf(Mailbox mailbox, int callerIndex) {
        return MailboxSnapshot.take(mailbox).slots().stream()
                .filter(slot -> slot.callerIndex() == callerIndex)
                .count();
    }
}
