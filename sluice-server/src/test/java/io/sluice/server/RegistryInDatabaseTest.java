package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.db.DbContext;
import io.sluice.db.DbManager;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.monitor.RegistryDatabase;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real database manager (embedded H2) as the home of the monitor's gateway registry, both in this JVM and meeting
 * only through their mailboxes, as in {@code sluice server}: a registry file from before imported once and renamed,
 * every change on record in the database before the monitor answers it, the next monitor (a restart, or a standby
 * taking over) starting from the database, a used token never coming back, and, with the database manager gone, changes
 * refused with REGISTRY_UNAVAILABLE and a monitor that cannot read the registry at start refusing every gateway.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryInDatabaseTest {
    /** The same on PostgreSQL (a database of its own on the machine's server, dropped after). */
    @Tag("system")
    static final class OnPostgres extends RegistryInDatabaseTest {
        private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
        private final String database =
                "sluice_regdb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

        private boolean created;

        @Override
        DbContext.Builder engine(DbContext.Builder builder) throws Exception {
            if (!created) {
                try (Connection c = DriverManager.getConnection(ADMIN_URL, "sluice", "sluice");
                        Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + database);
                }
                created = true;
            }
            return builder.jdbcUrl("jdbc:postgresql://127.0.0.1:5432/" + database)
                    .jdbcUser("sluice")
                    .jdbcPassword("sluice");
        }

        @AfterEach
        void dropDatabase() throws Exception {
            stop();
            try (Connection c = DriverManager.getConnection(ADMIN_URL, "sluice", "sluice");
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    /** The embedded H2 (the default); PostgreSQL in {@link OnPostgres}. */
    DbContext.Builder engine(DbContext.Builder builder) throws Exception {
        return builder;
    }

    private static final byte[] SECRET = "registry-in-db-tests-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private final String name = "regdb-" + ProcessHandle.current().pid() + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    private DbManager db;
    private MailboxService services;
    private MonitorDaemon monitor;
    private MailboxClient monitorClient;

    private Path mailbox(String suffix) {
        return ServerMailboxes.file(dir, name, suffix);
    }

    private Path registryFile() {
        return dir.resolve("monitor").resolve("gateways.registry");
    }

    private void startDb() throws Exception {
        db = new DbManager(engine(DbContext.builder()
                        .dataDir(dir.resolve("db"))
                        .mailboxDir(dir)
                        .mailboxName(name))
                .build());
    }

    private void startMonitor() {
        if (services == null) {
            services = new MailboxService(
                            MailboxCallee.attach(Mailbox.openOrCreate(
                                    mailbox(ServerMailboxes.SERVICES_SUFFIX),
                                    ServerMailboxes.SERVICES,
                                    EpochClock.system())),
                            request -> request.reply(MailboxStatus.OK, 0),
                            0,
                            "test-services")
                    .start();
        }
        monitor = new MonitorDaemon(MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0),
                        mailbox(ServerMailboxes.MONITOR_SUFFIX),
                        mailbox(ServerMailboxes.SERVICES_SUFFIX),
                        SECRET)
                .withApproved(Set.of(2L))
                .withRegistryFile(registryFile())
                .withRegistryDatabase(
                        new RegistryDatabase(mailbox(ServerMailboxes.DB_SUFFIX), ServerMailboxes.CALLER_MONITOR, 1_000))
                .withPolling(1_000, 3)
                .withPairs(1, 10));
        monitorClient = MailboxClient.attach(Mailbox.open(mailbox(ServerMailboxes.MONITOR_SUFFIX)), 0);
    }

    private void stopMonitor() throws InterruptedException {
        monitorClient.close();
        monitor.close();
        monitor = null;
    }

    @AfterEach
    void stop() throws Exception {
        if (monitor != null) {
            stopMonitor();
        }
        if (services != null) {
            services.close();
            services = null;
        }
        if (db != null) {
            db.close();
            db = null;
        }
    }

    private Reply standing(int opcode, long gatewayId) throws Exception {
        return monitorClient
                .call(opcode, ByteBuffer.allocate(8).putLong(gatewayId).array())
                .get(30, TimeUnit.SECONDS);
    }

    private Reply token(byte[] hash) throws Exception {
        return monitorClient
                .call(MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN, hash)
                .get(30, TimeUnit.SECONDS);
    }

    /** What the database holds, asked of the database manager as a tool would. */
    private JsonNode dbStandings() throws Exception {
        try (MailboxClient tool = MailboxClient.attachTool(Mailbox.open(mailbox(ServerMailboxes.DB_SUFFIX)))) {
            Reply reply = tool.call(
                            MailboxOpcodes.DB_JSON,
                            "{\"op\":\"admission.standings\",\"actor\":\"test\"}".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isZero();
            return MAPPER.readTree(reply.result());
        }
    }

    @Test
    void theRegistryLivesInTheDatabaseAcrossMonitorsAndFailsClosedWithoutIt() throws Exception {
        byte[] usedBefore = new byte[32];
        usedBefore[0] = 1;
        Files.createDirectories(registryFile().getParent());
        Files.writeString(
                registryFile(),
                "# sluice gateway registry v1\napproved 4\nrevoked 3\nused "
                        + HexFormat.of().formatHex(usedBefore) + "\n");
        startDb();
        startMonitor();
        assertThat(monitor.registryUnusable()).isNull();
        assertThat(Files.exists(registryFile())).as("imported, then renamed").isFalse();
        try (Stream<Path> files = Files.list(registryFile().getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .anyMatch(f -> f.startsWith("gateways.registry.imported-"));
        }
        assertThat(token(usedBefore).status())
                .as("a token used before the upgrade stays used")
                .isEqualTo(MailboxOpcodes.TOKEN_ALREADY_USED);

        assertThat(standing(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 7).status()).isEqualTo(MailboxStatus.OK);
        assertThat(standing(MailboxOpcodes.MONITOR_REVOKE_GATEWAY, 2).status()).isEqualTo(MailboxStatus.OK);
        JsonNode standings = dbStandings();
        assertThat(standings.get("approved").toString())
                .as("on record when answered")
                .contains("7", "4");
        assertThat(standings.get("revoked").toString()).contains("2", "3");
        byte[] fresh = new byte[32];
        fresh[0] = 2;
        assertThat(token(fresh).status()).isEqualTo(MailboxStatus.OK);

        // The next monitor (restarted, or a standby taking over) starts from the database.
        stopMonitor();
        startMonitor();
        assertThat(monitor.registryUnusable()).isNull();
        assertThat(token(usedBefore).status()).isEqualTo(MailboxOpcodes.TOKEN_ALREADY_USED);
        assertThat(token(fresh).status())
                .as("still unused, so adding it again is harmless")
                .isEqualTo(MailboxStatus.OK);
        assertThat(dbStandings().get("revoked").toString())
                .as("the configured approval does not undo the revocation")
                .contains("2");

        // The database manager goes away: the monitor keeps serving, and refuses changes with a typed status.
        db.close();
        db = null;
        Reply refused = standing(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 8);
        assertThat(refused.status()).isEqualTo(MailboxOpcodes.REGISTRY_UNAVAILABLE);
        assertThat(new String(refused.result(), StandardCharsets.UTF_8)).contains("gateway 8 not approved");
        assertThat(monitor.registryUnusable())
                .as("fail-static: what was read stays in force")
                .isNull();
        assertThat(monitor.registryDatabaseUnreachable()).isNotNull();

        // A monitor that starts without it refuses every gateway and every change, and recovers when it is back.
        stopMonitor();
        startMonitor();
        assertThat(monitor.registryUnusable()).contains("cannot be read from the database");
        assertThat(standing(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 9).status())
                .isEqualTo(MailboxOpcodes.REGISTRY_UNAVAILABLE);
        startDb();
        Await.until(60_000, () -> monitor.registryUnusable() == null);
        assertThat(standing(MailboxOpcodes.MONITOR_APPROVE_GATEWAY, 9).status()).isEqualTo(MailboxStatus.OK);
        assertThat(dbStandings().get("approved").toString()).contains("9");
    }
}
