package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with a registry file it cannot read or write: it refuses, says so, and recovers when the file is fixed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryFailClosedTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path monitorBox;
    private Path servicesBox;
    private MonitorDaemon daemon;
    private MailboxService services;
    private MailboxClient client;

    private Path registry() {
        return dir.resolve("monitor").resolve("gateways.registry");
    }

    private void start() {
        monitorBox = ShmNames.file("registry-monitor");
        servicesBox = ShmNames.file("registry-services");
        daemon = new MonitorDaemon(
                MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                        .withApproved(Set.of(1L))
                        .withRegistryFile(registry())
                        .withPolling(50, 2)
                        .withPairs(1, 10));
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "test-services")
                .start();
        client = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            client.close();
            daemon.close();
            services.close();
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        }
    }

    /** The monitor's verdict; asked again when its close of a refused connection beat the read of its answer. */
    private AuthReason handshake(long gatewayId) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try (TestGateway gw = new TestGateway(daemon.address(), gatewayId)) {
                AuthOutcome outcome = gw.handshake(SECRET);
                return outcome == AuthOutcome.ACCEPTED ? AuthReason.NONE : gw.lastReason;
            } catch (IOException closedBeforeTheAnswerWasRead) {
                if (attempt == 5) {
                    throw closedBeforeTheAnswerWasRead;
                }
            }
        }
    }

    private Reply call(int opcode, long gatewayId) throws Exception {
        return client.call(opcode, ByteBuffer.allocate(8).putLong(gatewayId).array())
                .get(10, TimeUnit.SECONDS);
    }

    private long status(int offset) throws Exception {
        Reply status = client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(10, TimeUnit.SECONDS);
        return ByteBuffer.wrap(status.result()).getLong(offset);
    }

    @Test
    void aCorruptRegistryRefusesEveryGatewayUntilItIsRepaired() throws Exception {
        Files.createDirectories(registry().getParent());
        Files.writeString(registry(), RegistryFile.HEADER + "\nrevoked 1\nrevoked 2\n");
        String good = Files.readString(registry());
        Files.writeString(registry(), good + "approved 3 trailing-garbage\n");
        byte[] corrupt = Files.readAllBytes(registry());
        start();

        assertThat(handshake(1))
                .as("configured, but the file may revoke it (it does)")
                .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(handshake(7)).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(daemon.registryUnusable()).contains("cannot be read");
        assertThat(status(MonitorStatusDescriptor.REGISTRY_UNUSABLE_OFFSET)).isEqualTo(1);
        Reply approve = call(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 7);
        assertThat(approve.status()).isEqualTo(MailboxStatus.CALLEE_FAILED);
        assertThat(new String(approve.result(), StandardCharsets.UTF_8)).contains("cannot be read");
        assertThat(Files.readAllBytes(registry())).as("never overwritten").isEqualTo(corrupt);

        Files.writeString(registry(), good + "approved 7\n");
        Await.until(20_000, () -> daemon.registryUnusable() == null);
        assertThat(handshake(7)).isEqualTo(AuthReason.NONE);
        assertThat(handshake(1)).as("the revocation on record wins").isEqualTo(AuthReason.REVOKED);
        assertThat(status(MonitorStatusDescriptor.REGISTRY_UNUSABLE_OFFSET)).isZero();
    }

    @Test
    void aChangeTheMonitorCannotWriteFailsTheMailboxCall() throws Exception {
        start();
        Path squatter = registry().resolveSibling("gateways.registry.tmp");
        Files.createDirectories(squatter.resolve("in-the-way"));
        Reply approve = call(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 7);
        assertThat(approve.status()).isEqualTo(MailboxStatus.CALLEE_FAILED);
        assertThat(new String(approve.result(), StandardCharsets.UTF_8))
                .contains("gateway 7 not approved")
                .contains("cannot write");
        assertThat(handshake(7)).isEqualTo(AuthReason.AWAITING_APPROVAL);
        Reply token = client.call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, new byte[32])
                .get(10, TimeUnit.SECONDS);
        assertThat(token.status()).isEqualTo(MailboxStatus.CALLEE_FAILED);
        assertThat(call(MailboxOpcodes.MONITOR_REVOKE_GATEWAY, 1).status()).isEqualTo(MailboxStatus.CALLEE_FAILED);
        assertThat(handshake(1)).as("refused at once all the same").isEqualTo(AuthReason.REVOKED);
        assertThat(status(MonitorStatusDescriptor.REGISTRY_WRITES_FAILED_OFFSET))
                .isEqualTo(3);

        Files.delete(squatter.resolve("in-the-way"));
        Files.delete(squatter);
        assertThat(call(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 7).status()).isEqualTo(MailboxStatus.OK);
        assertThat(Files.readString(registry())).contains("approved 7").contains("revoked 1");
    }
}
