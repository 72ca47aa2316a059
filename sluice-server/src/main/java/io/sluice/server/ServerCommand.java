package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.db.lease.LeaseKeeper;
import io.sluice.db.store.JdbcUrls;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerConfig;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.ha.HaController;
import io.sluice.server.ha.LeaseLoop;
import io.sluice.server.ha.SupervisedPart;
import io.sluice.server.supervisor.Supervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice server}: the supervisor. It creates the mailboxes, starts the roles (database manager, SLA services,
 * performance monitor, application server) as separate JVMs in that order, restarts any that die or hang, and stops
 * them in reverse order on SIGTERM/Ctrl-C. Settings come from {@code --config FILE} (see conf/sluice.example.yaml);
 * flags given on the command line win.
 */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description = "Run the SLA server under a supervisor: each role in its own JVM, restarted if it dies or hangs.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration (see conf/sluice.example.yaml)")
    Path config;

    @Option(
            names = "--single-process",
            description = "run every role on threads of this JVM, still through the mailboxes (development)")
    boolean singleProcess;

    @Option(names = "--name", description = "server name, the prefix of its mailbox files (default sluice)")
    String name;

    @Option(names = "--data-dir", description = "database, journal and run files (default ./data)")
    String dataDir;

    @Option(names = "--run-dir", description = "logs and status.json (default <data-dir>/run)")
    String runDir;

    @Option(names = "--mailbox-dir", description = "where the mailboxes live (default /dev/shm)")
    String mailboxDir;

    @Option(
            names = "--secret-file",
            description = "deployment secret gateway keys derive from (required with the monitor role)")
    String secretFile;

    @Option(names = "--roles", split = ",", description = "roles to run, of db,services,monitor,web (default all)")
    List<String> roles;

    @Option(names = "--listen", description = "where gateways connect (default 127.0.0.1:7070)")
    String listen;

    @Option(names = "--web-listen", description = "the dashboard and REST API (default 127.0.0.1:8080)")
    String webListen;

    @Option(names = "--approve", split = ",", description = "gateway ids or ranges admitted without approval")
    List<String> approve;

    @Option(names = "--poll-interval", description = "ms between polls (default 1000)")
    Long pollInterval;

    @Option(
            names = "--services-config",
            description = "bootstrap backends, volumes and SLAs for the SLA services (JSON)")
    String servicesConfig;

    @Option(
            names = "--jdbc-url",
            description =
                    "database (default: embedded H2 under the data directory); one with a "
                            + "password is refused here, where every local user reads it: use database.jdbc-url or database.password-file")
    String jdbcUrl;

    @Option(
            names = "--heartbeat-timeout",
            description = "a role silent this long (ms) is killed and restarted (default 5000)")
    Long heartbeatTimeout;

    @Override
    public Integer call() throws Exception {
        ServerSettings settings;
        try {
            if (JdbcUrls.hasPassword(jdbcUrl)) {
                throw new IllegalArgumentException(
                        "--jdbc-url holds a password, which every local user can read on a command line; "
                                + "put the URL in the configuration file (database.jdbc-url) or the password in database.password-file");
            }
            settings = ServerSettings.resolve(config == null ? ServerConfig.EMPTY : ServerConfig.read(config), flags());
        } catch (IllegalArgumentException e) {
            System.err.println("sluice server: " + e.getMessage());
            return ExitCode.USAGE;
        }
        return run(settings, singleProcess);
    }

    static int run(ServerSettings settings, boolean singleProcess) throws Exception {
        Consumer<String> log = line -> System.out.println(Instant.now() + " " + line);
        try (UntilSignalled signal = new UntilSignalled(60_000)) {
            if (singleProcess) {
                try (SingleProcessServer server = new SingleProcessServer(RoleCatalog.mailboxes(settings), log)) {
                    server.start(RoleCatalog.roles(settings));
                    signal.awaitStop(0);
                }
                return ExitCode.OK;
            }
            try (Supervisor supervisor = RoleCatalog.supervisor(settings, RoleCatalog.roles(settings), log)) {
                if (settings.ha() != null) {
                    return runInPair(settings, supervisor, signal, log);
                }
                supervisor.start();
                while (!signal.awaitStop(100)) {
                    supervisor.doWork();
                }
            }
        }
        return ExitCode.OK;
    }

    /**
     * A server in a pair: started as a standby (services held, the monitor sending gateways on), then the lease stepped
     * on its own thread and followed after every supervision step ({@link HaController}). On the way out the roles stop
     * first and the lease is released after, so the next active starts once this one acts no more.
     */
    private static int runInPair(
            ServerSettings settings, Supervisor supervisor, UntilSignalled signal, Consumer<String> log)
            throws Exception {
        LeaseKeeper keeper = LeaseLoop.keeper(settings);
        try (SupervisedPart part = new SupervisedPart(supervisor, settings, log)) {
            part.prepareStandby();
            // The last run's status.json may still say active; until this run writes its first one (after the roles
            // started) the web, which reads its role there, refuses every change as a standby does.
            Files.deleteIfExists(supervisor.runDirectory().resolve("status.json"));
            supervisor.start();
            follow(supervisor, part, keeper, signal, log, settings.ha().advertise());
        }
        return ExitCode.OK;
    }

    private static void follow(
            Supervisor supervisor,
            SupervisedPart part,
            LeaseKeeper keeper,
            UntilSignalled signal,
            Consumer<String> log,
            String self)
            throws Exception {
        try (LeaseLoop lease = new LeaseLoop(keeper, log).start()) {
            HaController controller = new HaController(lease.view(), part, self, log);
            supervisor.haStatus(controller::status);
            try {
                while (!signal.awaitStop(100)) {
                    controller.doWork(System.nanoTime());
                    supervisor.doWork();
                }
            } finally {
                // The supervisor's own calls end before it unmaps the mailboxes; the monitor stops before the lease is
                // released (the try-with-resources closes the loop after).
                part.close();
                supervisor.close();
            }
        }
    }

    private ServerConfig flags() {
        return new ServerConfig(
                name,
                dataDir,
                runDir,
                mailboxDir,
                secretFile,
                heartbeatTimeout,
                roles,
                (Map<String, List<String>>) null,
                new ServerConfig.Monitor(listen, pollInterval, approve, null, null),
                new ServerConfig.Services(servicesConfig, null, null),
                new ServerConfig.Database(jdbcUrl, null, null, null, null),
                new ServerConfig.Web(webListen));
    }
}
