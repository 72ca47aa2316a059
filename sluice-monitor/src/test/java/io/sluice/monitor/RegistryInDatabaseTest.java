package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway registry kept in the database, reached through the database manager's mailbox (here a
 * {@link FakeAdmissionDb} serving the same ops): read at start, every change written through before it is answered,
 * fail-closed when it cannot be read at start, fail-static while the database is away afterwards, and a registry file
 * from before imported once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryInDatabaseTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    /** Short, so that a database manager that does not answer is found out quickly. */
    private static final long TIMEOUT_MILLIS = 300;

    @TempDir
    Path dir;

    private FakeAdmissionDb db;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void startDb() {
        db = new FakeAdmissionDb();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
        db.close();
    }

    private Path file() {
        return dir.resolve("monitor").resolve("gateways.registry");
    }

    private GatewayRegistry registry(Set<Long> approved, Set<String> tokens) {
        return registry(approved, tokens, ServerMailboxes.CALLER_MONITOR);
    }

    private GatewayRegistry registry(Set<Long> approved, Set<String> tokens, int callerIndex) {
        GatewayRegistry registry = new GatewayRegistry(
                approved,
                tokens,
                Map.of(),
                file(),
                new AdmissionLink(new RegistryDatabase(db.file, callerIndex, TIMEOUT_MILLIS), EpochClock.system()));
        opened.add(registry);
        return registry;
    }

    private void close(GatewayRegistry registry) {
        opened.remove(registry);
        registry.close();
    }

    private static byte[] bytes(String token) {
        return token.getBytes(StandardCharsets.UTF_8);
    }

    private static String hash(String token) {
        return RegistryFile.hashOf(bytes(token));
    }

    /** Rechecks (as the conductor does every turn) until the condition holds. */
    private static void recheckUntil(GatewayRegistry registry, BooleanSupplier condition) throws InterruptedException {
        Await.until(20_000, () -> {
            registry.recheck(System.currentTimeMillis() + GatewayRegistry.RECHECK_MILLIS);
            return condition.getAsBoolean();
        });
    }

    @Test
    void standingsAndBindingsAreReadFromTheDatabaseAndEveryChangeIsWrittenThrough() throws Exception {
        db.standings.put(5L, "APPROVED");
        db.standings.put(6L, "REVOKED");
        db.bindings.put("lun 5", true);
        GatewayRegistry first = registry(Set.of(6L, 7L), Set.of("from-the-command-line"));
        assertThat(first.unusable()).isNull();
        assertThat(first.admit(5, null).accepted()).isTrue();
        assertThat(first.admit(6, null).reason())
                .as("a revocation on record wins over the configuration")
                .isEqualTo(AuthReason.REVOKED);
        assertThat(first.admit(7, null).accepted()).as("configured").isTrue();
        assertThat(first.mayServeShared(5, "lun")).isTrue();
        assertThat(db.tokens)
                .as("the configuration's token is on record, hashed")
                .containsEntry(hash("from-the-command-line"), false);

        first.approve(9);
        assertThat(db.standings).containsEntry(9L, "APPROVED");
        first.revoke(5);
        assertThat(db.standings).containsEntry(5L, "REVOKED");
        assertThat(first.admit(5, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(first.addToken(hash("issued-by-the-api"))).isTrue();
        assertThat(db.tokens).containsEntry(hash("issued-by-the-api"), false);
        assertThat(first.admit(20, bytes("issued-by-the-api")).accepted()).isTrue();
        assertThat(db.tokens)
                .as("used at the database before the gateway is admitted")
                .containsEntry(hash("issued-by-the-api"), true);
        assertThat(db.standings).containsEntry(20L, "APPROVED");
        first.bind("lun", 8);
        assertThat(db.bindings).containsEntry("lun 8", true);
        first.unbind("lun", 5);
        assertThat(db.bindings).containsEntry("lun 5", false);
        assertThat(Files.exists(file())).as("no file is written").isFalse();
        close(first);

        GatewayRegistry next = registry(Set.of(6L, 7L), Set.of("from-the-command-line"));
        assertThat(next.standing(9)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.standing(20)).as("enrolled with a token").isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(next.admit(5, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(next.admit(21, bytes("issued-by-the-api")).reason())
                .as("single use")
                .isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(next.addToken(hash("issued-by-the-api")))
                .as("a used token never comes back")
                .isFalse();
        assertThat(next.mayServeShared(8, "lun")).isTrue();
        assertThat(next.mayServeShared(5, "lun")).isFalse();
        assertThat(next.admit(22, bytes("from-the-command-line")).accepted()).isTrue();
    }

    /** A standby sharing the database has the same registry: a token the active used admits nobody there. */
    @Test
    void aSecondMonitorOnTheSameDatabaseSeesTheSameUsedTokens() throws Exception {
        GatewayRegistry active = registry(Set.of(), Set.of(), ServerMailboxes.CALLER_MONITOR);
        GatewayRegistry standby = registry(Set.of(), Set.of(), 5);
        assertThat(active.addToken(hash("one-use"))).isTrue();
        assertThat(active.admit(30, bytes("one-use")).accepted()).isTrue();
        assertThat(standby.admit(31, bytes("one-use")).reason()).isEqualTo(AuthReason.BAD_TOKEN);
        active.revoke(30);
        standby.reload();
        Await.until(10_000, () -> standby.standing(30) == GatewayRegistry.Standing.REVOKED);
        assertThat(standby.admit(30, null).reason()).isEqualTo(AuthReason.REVOKED);
    }

    @Test
    void aDatabaseThatCannotBeReadAtStartRefusesEveryGatewayAndEveryChangeUntilItCan() throws Exception {
        db.standings.put(1L, "REVOKED");
        db.mode = FakeAdmissionDb.Mode.UNAVAILABLE;
        GatewayRegistry registry = registry(Set.of(1L, 2L), Set.of());
        assertThat(registry.unusable()).contains("cannot be read from the database");
        assertThat(registry.admit(1, null).reason())
                .as("never started from the approve list alone")
                .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(registry.admit(2, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(registry.admit(3, bytes("a-token")).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThatThrownBy(() -> registry.approve(4))
                .isInstanceOfSatisfying(
                        GatewayRegistry.NotSavedException.class,
                        e -> assertThat(e.unavailable()).isTrue());
        assertThatThrownBy(() -> registry.addToken(hash("t"))).isInstanceOf(GatewayRegistry.NotSavedException.class);
        assertThatThrownBy(() -> registry.revoke(5))
                .isInstanceOfSatisfying(
                        GatewayRegistry.NotSavedException.class,
                        e -> assertThat(e.unavailable()).isTrue());
        assertThat(registry.admit(5, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(db.ops).as("nothing was written").isEmpty();

        db.mode = FakeAdmissionDb.Mode.ANSWER;
        recheckUntil(registry, () -> registry.unusable() == null);
        assertThat(registry.admit(1, null).reason())
                .as("the revocation on record wins")
                .isEqualTo(AuthReason.REVOKED);
        assertThat(registry.admit(2, null).accepted()).isTrue();
        recheckUntil(registry, () -> "REVOKED".equals(db.standings.get(5L)));
        assertThat(registry.admit(5, null).reason())
                .as("the revocation made meanwhile is saved")
                .isEqualTo(AuthReason.REVOKED);
    }

    @Test
    void aDatabaseManagerThatDoesNotAnswerIsUnreachableToo() throws Exception {
        db.mode = FakeAdmissionDb.Mode.SILENT;
        GatewayRegistry registry = registry(Set.of(1L), Set.of());
        assertThat(registry.unusable()).contains("did not answer");
        assertThat(registry.admit(1, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
    }

    @Test
    void whileTheDatabaseIsAwayGatewaysApprovedBeforeAreAdmittedAndChangesRefused() throws Exception {
        db.standings.put(5L, "APPROVED");
        db.standings.put(6L, "APPROVED");
        GatewayRegistry registry = registry(Set.of(), Set.of());
        assertThat(registry.addToken(hash("waiting"))).isTrue();
        db.mode = FakeAdmissionDb.Mode.UNAVAILABLE;

        assertThatThrownBy(() -> registry.approve(9))
                .isInstanceOfSatisfying(
                        GatewayRegistry.NotSavedException.class,
                        e -> assertThat(e.unavailable()).isTrue());
        assertThat(registry.admit(9, null).reason()).isEqualTo(AuthReason.AWAITING_APPROVAL);
        assertThat(registry.admit(5, null).accepted()).as("fail-static").isTrue();
        assertThat(registry.dbUnreachable()).isNotNull();
        assertThat(registry.unusable()).isNull();
        assertThat(registry.admit(10, bytes("waiting")).reason())
                .as("a token is used only at the database")
                .isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(db.tokens).containsEntry(hash("waiting"), false);
        assertThatThrownBy(() -> registry.bind("lun", 5)).isInstanceOf(GatewayRegistry.NotSavedException.class);
        assertThatThrownBy(() -> registry.revoke(6)).isInstanceOf(GatewayRegistry.NotSavedException.class);
        assertThat(registry.admit(6, null).reason())
                .as("refused at once all the same")
                .isEqualTo(AuthReason.REVOKED);
        assertThat(registry.writesFailed()).isEqualTo(3);

        db.mode = FakeAdmissionDb.Mode.ANSWER;
        recheckUntil(registry, () -> "REVOKED".equals(db.standings.get(6L)));
        recheckUntil(registry, () -> registry.dbUnreachable() == null);
        assertThat(registry.admit(10, bytes("waiting")).accepted()).isTrue();
        registry.approve(9);
        assertThat(db.standings).containsEntry(9L, "APPROVED");
    }

    @Test
    void aRegistryFileFromBeforeIsImportedOnceThenRenamed() throws Exception {
        Files.createDirectories(file().getParent());
        RegistryFile.write(
                file(),
                Map.of(11L, GatewayRegistry.Standing.APPROVED, 12L, GatewayRegistry.Standing.REVOKED),
                Set.of(hash("unused")),
                Set.of(hash("used")),
                Map.of(new GatewayRegistry.Binding("lun", 13), true));
        db.standings.put(14L, "REVOKED");
        GatewayRegistry registry = registry(Set.of(12L), Set.of());
        assertThat(db.standings)
                .containsEntry(11L, "APPROVED")
                .containsEntry(12L, "REVOKED")
                .containsEntry(14L, "REVOKED");
        assertThat(db.tokens).containsEntry(hash("unused"), false).containsEntry(hash("used"), true);
        assertThat(db.bindings).containsEntry("lun 13", true);
        assertThat(Files.exists(file())).isFalse();
        try (Stream<Path> files = Files.list(file().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .singleElement()
                    .asString()
                    .startsWith("gateways.registry.imported-");
        }
        assertThat(registry.admit(11, null).accepted()).isTrue();
        assertThat(registry.admit(12, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(registry.admit(15, bytes("used")).reason()).isEqualTo(AuthReason.BAD_TOKEN);
        assertThat(registry.admit(16, bytes("unused")).accepted()).isTrue();
        assertThat(registry.mayServeShared(13, "lun")).isTrue();
        close(registry);

        registry(Set.of(12L), Set.of());
        assertThat(db.ops.stream().filter("admission.import"::equals).count())
                .as("imported once")
                .isEqualTo(1);
    }

    @Test
    void anUnreadableRegistryFileIsNeitherImportedNorRenamedAndRefusesEveryGateway() throws Exception {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), RegistryFile.HEADER + "\nrevoked 1\napproved x\n");
        byte[] corrupt = Files.readAllBytes(file());
        GatewayRegistry registry = registry(Set.of(1L), Set.of());
        assertThat(registry.unusable()).contains("cannot be read for its import");
        assertThat(registry.admit(1, null).reason()).isEqualTo(AuthReason.REGISTRY_UNUSABLE);
        assertThat(Files.readAllBytes(file())).isEqualTo(corrupt);
        assertThat(db.ops).doesNotContain("admission.import");

        Files.writeString(file(), RegistryFile.HEADER + "\nrevoked 1\n");
        recheckUntil(registry, () -> registry.unusable() == null);
        assertThat(registry.admit(1, null).reason()).isEqualTo(AuthReason.REVOKED);
        assertThat(db.standings).containsEntry(1L, "REVOKED");
    }

    /** Through the monitor's mailbox, as the web calls it: written to the database, or refused with a typed status. */
    @Test
    void theDaemonWritesMailboxChangesToTheDatabaseAndRefusesThemTypedWhileItIsAway() throws Exception {
        Path monitorBox = ShmNames.file("registry-db-monitor");
        Path servicesBox = ShmNames.file("registry-db-services");
        MonitorDaemon daemon = new MonitorDaemon(
                MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                        .withApproved(Set.of(1L))
                        .withRegistryFile(file())
                        .withRegistryDatabase(db.settings(TIMEOUT_MILLIS))
                        .withPolling(50, 2)
                        .withPairs(1, 10));
        MailboxService services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "test-services")
                .start();
        MailboxClient client = MailboxClient.attach(Mailbox.open(monitorBox), 0);
        opened.add(() -> {
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        });
        opened.add(services::close);
        opened.add(daemon);
        opened.add(client);

        assertThat(call(client, MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 7).status())
                .isEqualTo(MailboxStatus.OK);
        assertThat(db.standings).as("on record before the answer").containsEntry(7L, "APPROVED");
        assertThat(handshake(daemon, 7)).isEqualTo(AuthReason.NONE);
        Reply token = client.call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, new byte[32])
                .get(10, TimeUnit.SECONDS);
        assertThat(token.status()).isEqualTo(MailboxStatus.OK);
        assertThat(db.tokens).containsKey(HexFormat.of().formatHex(new byte[32]));

        db.mode = FakeAdmissionDb.Mode.UNAVAILABLE;
        Reply approve = call(client, MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 8);
        assertThat(approve.status()).isEqualTo(MailboxOpcodes.REGISTRY_UNAVAILABLE);
        assertThat(new String(approve.result(), StandardCharsets.UTF_8)).contains("gateway 8 not approved", "database");
        assertThat(handshake(daemon, 8)).isEqualTo(AuthReason.AWAITING_APPROVAL);
        assertThat(handshake(daemon, 7)).as("approved before: still admitted").isEqualTo(AuthReason.NONE);
        assertThat(call(client, MailboxOpcodes.MONITOR_REVOKE_GATEWAY, 1).status())
                .isEqualTo(MailboxOpcodes.REGISTRY_UNAVAILABLE);
        assertThat(handshake(daemon, 1)).isEqualTo(AuthReason.REVOKED);
        assertThat(daemon.registryDatabaseUnreachable()).isNotNull();
        Reply status = client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(10, TimeUnit.SECONDS);
        assertThat(ByteBuffer.wrap(status.result()).getLong(MonitorStatusDescriptor.REGISTRY_WRITES_FAILED_OFFSET))
                .isEqualTo(2);

        db.mode = FakeAdmissionDb.Mode.ANSWER;
        Await.until(20_000, () -> "REVOKED".equals(db.standings.get(1L)));
        assertThat(call(client, MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 8).status())
                .isEqualTo(MailboxStatus.OK);
    }

    private static Reply call(MailboxClient client, int opcode, long gatewayId) throws Exception {
        return client.call(opcode, ByteBuffer.allocate(8).putLong(gatewayId).array())
                .get(10, TimeUnit.SECONDS);
    }

    private static AuthReason handshake(MonitorDaemon daemon, long gatewayId) throws IOException {
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
}
