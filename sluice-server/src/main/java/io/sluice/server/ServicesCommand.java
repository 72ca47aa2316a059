package io.sluice.server;

import io.sluice.common.EpochClock;
import io.sluice.services.daemon.ServicesConfig;
import io.sluice.services.daemon.ServicesDaemon;
import io.sluice.services.daemon.VolumeLimits;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice services}: the SLA services on their own (analyzer between the monitor's reports and its throttle
 * sets).
 */
@Command(
        name = "services",
        mixinStandardHelpOptions = true,
        description = "Run the SLA services: analyse the monitor's reports against SLAs, send throttle sets back, "
                + "answer the application server's queries, forward history to the database manager.")
final class ServicesCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            description = "bootstrap backends, volumes and SLAs (JSON; see ServicesConfig); "
                    + "without it everything comes from the database manager and the gateways' reports")
    Path config;

    @Mixin
    MailboxOptions mailboxes = new MailboxOptions();

    @Option(
            names = "--interval",
            defaultValue = "1000",
            description = "analyzer interval in ms, the poll interval (default ${DEFAULT-VALUE})")
    long interval;

    @Option(
            names = "--db-forwarding",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "forward samples, verdicts, alerts and discoveries to the database manager's mailbox (db) "
                    + "whenever it exists, and load SLAs, policies and groups from it (default ${DEFAULT-VALUE})")
    boolean dbForwarding;

    @Option(names = "--status-every", defaultValue = "5000", description = "ms between status lines; 0 for none")
    long statusEvery;

    @Option(
            names = "--max-volumes",
            defaultValue = "100000",
            description = "volumes the services keep state for; "
                    + "new ones beyond are refused and raise an alert (default ${DEFAULT-VALUE})")
    int maxVolumes;

    @Option(
            names = "--volume-expiry-ms",
            defaultValue = "600000",
            description = "a volume its gateways have not "
                    + "reported on for this long is dropped from the services' memory (default ${DEFAULT-VALUE})")
    long volumeExpiryMillis;

    @Override
    public Integer call() throws Exception {
        ServicesConfig services = config == null ? new ServicesConfig(null, null, null) : ServicesConfig.read(config);
        try (UntilSignalled signal = new UntilSignalled(10_000);
                ServicesDaemon daemon = ServicesDaemon.start(
                        mailboxes.dir,
                        mailboxes.name,
                        services,
                        new VolumeLimits(maxVolumes, volumeExpiryMillis),
                        interval,
                        EpochClock.system(),
                        dbForwarding)) {
            System.out.println("services running: " + services.volumes().size() + " volumes, "
                    + services.slas().size() + " SLAs");
            return signal.watch(
                    "services unhealthy, stopping so that they are started afresh",
                    daemon::problem,
                    statusEvery,
                    () -> printStatus(daemon, services));
        }
    }

    private static void printStatus(ServicesDaemon daemon, ServicesConfig services) {
        System.out.printf(
                "reports %d, queries %d, throttle sets posted %d, acknowledged %d, stored for absent gateways %d, "
                        + "not delivered %d%n",
                daemon.reports(),
                daemon.queriesServed(),
                daemon.throttlesPosted(),
                daemon.throttlesAcked(),
                daemon.throttlesStored(),
                daemon.throttlesFailed());
        for (var backend : services.backends()) {
            var f = daemon.forecast(backend.id());
            if (f != null) {
                System.out.printf(
                        "  %s: %d of %d GiB used, %s%n",
                        backend.id(),
                        f.usedBytes() >> 30,
                        f.capacityBytes() >> 30,
                        f.isGrowing() ? String.format("full in %.1f days", f.daysUntilFull()) : "not growing");
            }
        }
    }
}
