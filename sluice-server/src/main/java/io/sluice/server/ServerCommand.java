package io.sluice.server;

import io.sluice.common.EpochClock;
import io.sluice.common.ExitCode;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice server}: the supervisor. It creates the mailboxes, starts the roles as separate JVMs,
 * restarts any that die or hang, and stops them in reverse order on SIGTERM/Ctrl-C. Roles that exist
 * today: the SLA services (when given a configuration) and the performance monitor daemon.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the SLA server under a supervisor: each role in its own JVM, restarted if it dies or hangs.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--run-dir", defaultValue = "run", description = "logs and status.json (default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--mailbox-dir", defaultValue = "/dev/shm", description = "where the mailboxes live")
    Path mailboxDir;

    @Option(names = "--name", defaultValue = "sluice", description = "prefix of the mailbox files, for several servers on one host")
    String name;

    @Option(names = "--secret-file", required = true, description = "deployment secret gateway keys derive from")
    Path secretFile;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7070", description = "where gateways connect")
    String listen;

    @Option(names = "--approve", split = ",", description = "gateway ids or ranges admitted without approval")
    List<String> approve = List.of();

    @Option(names = "--poll-interval", defaultValue = "1000", description = "ms between polls")
    long pollInterval;

    @Option(names = "--services-config", description = "backends, volumes and SLAs for the SLA services role (JSON); without it the services role does not run")
    Path servicesConfig;

    @Option(names = "--heartbeat-timeout", defaultValue = "5000", description = "a role silent this long (ms) is killed and restarted")
    long heartbeatTimeout;

    @Override
    public Integer call() throws Exception {
        Path monitorBox = mailboxDir.resolve(name + "-monitor");
        Path servicesBox = mailboxDir.resolve(name + "-services");
        Map<Path, MailboxGeometry> mailboxes = new LinkedHashMap<>();
        mailboxes.put(monitorBox, MonitorDaemon.MONITOR_MAILBOX);
        mailboxes.put(servicesBox, MonitorDaemon.SERVICES_MAILBOX);
        List<String> monitor = new ArrayList<>(List.of("monitor", "--listen", listen, "--secret-file",
                secretFile.toAbsolutePath().toString(), "--mailbox-dir", mailboxDir.toAbsolutePath().toString(),
                "--mailbox-name", name, "--poll-interval", Long.toString(pollInterval)));
        if (!approve.isEmpty()) {
            monitor.add("--approve");
            monitor.add(String.join(",", approve));
        }
        List<RoleSpec> roles = new ArrayList<>();
        if (servicesConfig != null) {
            roles.add(new RoleSpec("services", List.of("services", "--config", servicesConfig.toAbsolutePath().toString(),
                    "--mailbox-dir", mailboxDir.toAbsolutePath().toString(), "--mailbox-name", name,
                    "--interval", Long.toString(pollInterval)), servicesBox));
        }
        roles.add(new RoleSpec("monitor", monitor, monitorBox));
        try (UntilSignalled signal = new UntilSignalled(30_000);
             Supervisor supervisor = new Supervisor(runDir, mailboxes, roles, System.getProperty("java.class.path"),
                heartbeatTimeout, EpochClock.system(), line -> System.out.println(Instant.now() + " " + line))) {
            supervisor.start();
            while (!signal.awaitStop(100)) {
                supervisor.doWork();
            }
        }
        return ExitCode.OK;
    }
}
