package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.demo.DemoFleet;
import io.sluice.server.demo.DemoPlan;
import io.sluice.server.demo.DemoReporter;
import io.sluice.server.demo.DemoSeed;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: the whole system on this machine with nothing but a JDK (see {@link DemoPlan}). Ctrl-C stops
 * everything in reverse order and removes what the demo created.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the SLA server, a storage array, two gateways (gold and bronze volumes) and load on both.",
            "Watch bronze being throttled when gold's latency objective is at risk. Ctrl-C stops and cleans up.",
            "--volumes N adds N - 2 volumes on simulated gateways, so the dashboard has hundreds to show."
        })
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--dir",
            description = "where the demo keeps its files (default: a new temporary directory, removed at the end)")
    Path dir;

    @Option(
            names = "--web-port",
            defaultValue = "8080",
            description = "dashboard port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int webPort;

    @Option(
            names = "--duration",
            defaultValue = "0",
            description = "seconds to run; 0 until Ctrl-C (default ${DEFAULT-VALUE})")
    long duration;

    @Option(
            names = "--poll-interval",
            defaultValue = "1000",
            description = "ms between polls and analyses (default ${DEFAULT-VALUE})")
    long pollInterval;

    @Option(names = "--roles", split = ",", description = "server roles to run (default all: db,services,monitor,web)")
    List<String> roles = ServerSettings.ALL_ROLES;

    @Option(
            names = "--volumes",
            defaultValue = "2",
            description = "volumes in all: gold, bronze and N - 2 simulated; " + "2.." + DemoFleet.MAX_VOLUMES
                    + " (default ${DEFAULT-VALUE})")
    int volumes;

    @Option(
            names = "--report-every",
            defaultValue = "5",
            description = "seconds between status lines; 0 for none (default ${DEFAULT-VALUE})")
    long reportEvery;

    @Override
    public Integer call() throws Exception {
        DemoFleet fleet;
        try {
            fleet = DemoFleet.of(volumes);
        } catch (IllegalArgumentException e) {
            System.err.println("sluice demo: " + e.getMessage());
            return ExitCode.USAGE;
        }
        boolean temporary = dir == null;
        Path home = temporary ? Files.createTempDirectory("sluice-demo-") : dir;
        String name = "sluice-demo-" + ProcessHandle.current().pid();
        Consumer<String> log = line -> System.out.println(Instant.now() + " " + line);
        DemoPlan plan = DemoPlan.prepare(home, webPort == 8080 && !portFree(8080) ? 0 : webPort, pollInterval, fleet);
        ServerSettings settings = plan.serverSettings(name, roles);
        List<RoleSpec> everything = new ArrayList<>(RoleCatalog.roles(settings));
        everything.addAll(plan.workload());
        try (UntilSignalled signal = new UntilSignalled(60_000)) {
            try (Supervisor supervisor = RoleCatalog.supervisor(settings, everything, log)) {
                String[] password = {null};
                supervisor.start(role -> {
                    if (role.equals("db")) {
                        try {
                            password[0] = DemoSeed.seed(
                                    RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), plan.slas());
                            log.accept("stored the SLAs and the dashboard login");
                        } catch (Exception e) {
                            log.accept("could not seed the database: " + e.getMessage());
                        }
                    }
                });
                System.out.println();
                System.out.println("  Sluice demo running in " + home);
                if (settings.roles().contains("web")) {
                    System.out.println("  Dashboard: http://127.0.0.1:" + plan.webPort() + "/");
                    if (password[0] != null) {
                        System.out.println("  Login:     " + DemoSeed.LOGIN + " / " + password[0]);
                    }
                }
                System.out.println("  Logs:      " + settings.runDir().resolve("logs"));
                System.out.println("  Status:    ./sluice status --run-dir " + settings.runDir());
                System.out.println("  gold (volume 1): steady " + DemoPlan.GOLD_IOPS + " IOPS, reservation "
                        + DemoPlan.GOLD_RESERVED_IOPS + ", p95 latency objective "
                        + DemoPlan.GOLD_P95_TARGET_MICROS / 1000 + " ms");
                System.out.println("  bronze (volume " + DemoPlan.BRONZE_VOLUME_ID + "): floods the shared "
                        + DemoPlan.ARRAY_IOPS + "-IOPS array for " + DemoPlan.FLOOD_SECONDS + " s, then rests as long");
                if (fleet.size() > 0) {
                    System.out.printf(
                            "  %,d more volumes on %d simulated gateways, each with its own demand; one in ten"
                                    + " under SLA silver, one in ten capped by SLA archive%n",
                            fleet.size(), fleet.gateways());
                }
                System.out.println("  Ctrl-C stops everything and removes what the demo started.");
                System.out.println();
                long end = duration > 0 ? System.currentTimeMillis() + duration * 1000 : Long.MAX_VALUE;
                long nextReport = System.currentTimeMillis() + reportEvery * 1000;
                try (DemoReporter reporter =
                        new DemoReporter(RoleCatalog.mailbox(settings, ServerMailboxes.SERVICES_QUERIES_SUFFIX))) {
                    while (!signal.awaitStop(100) && System.currentTimeMillis() < end) {
                        supervisor.doWork();
                        if (reportEvery > 0 && System.currentTimeMillis() >= nextReport) {
                            nextReport += reportEvery * 1000;
                            log.accept(reporter.line());
                        }
                    }
                }
            } finally {
                RoleCatalog.removeMailboxes(settings);
                if (temporary) {
                    deleteTree(home);
                }
            }
        }
        return ExitCode.OK;
    }

    private static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
