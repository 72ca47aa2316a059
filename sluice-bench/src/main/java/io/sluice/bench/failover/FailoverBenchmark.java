package io.sluice.bench.failover;

import io.sluice.bench.JsonLine;
import io.sluice.bench.PgRoleOptions;
import io.sluice.drill.FailoverDrill;
import io.sluice.drill.FailoverReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench failover}: the server pair's takeover drill ({@link FailoverDrill}, the same choreography as
 * {@code ServerPairTakeoverSystemTest}) as a benchmark: two {@code sluice server} processes on one PostgreSQL, a
 * simulated fleet and a real gateway with fio verifying through it, the active's whole process tree killed with -9
 * again and again, alternating. Prints a table of the takeovers and, last, one JSON object.
 */
@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = {
            "Kills the active server of a pair (its whole process tree, -9) again and again, alternating, with a"
                    + " simulated fleet and fio through a real gateway; reports the takeover times (kill to every"
                    + " gateway's acknowledged throttle set of the new epoch), lost samples, lost edits and stale-epoch"
                    + " sets applied.",
            "Needs PostgreSQL (--pg, a role allowed to create databases) and fio. --quick: 2 kills, about 2"
                    + " minutes (112 s at a load average of 9 on 2 cores; the pair's start and each restarted standby dominate);"
                    + " the full run: 10 kills, about 5 minutes at that load."
        })
public final class FailoverBenchmark implements Callable<Integer> {
    @Option(names = "--quick", description = "2 kills instead of 10")
    boolean quick;

    @Option(names = "--kills", description = "kills of the active (default 10, --quick 2)")
    Integer kills;

    @Option(names = "--gateways", defaultValue = "12", description = "simulated gateways (default ${DEFAULT-VALUE})")
    int gateways;

    @Option(
            names = "--pg",
            defaultValue = "127.0.0.1:5432",
            description = "PostgreSQL's HOST:PORT (default ${DEFAULT-VALUE})")
    String pg;

    @Mixin
    PgRoleOptions pgRole = new PgRoleOptions();

    @Option(
            names = "--keep",
            description = "keep the servers' data directories and logs afterwards (their path is printed)")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        int n = kills != null ? kills : quick ? 2 : 10;
        if (n < 1 || gateways < 1) {
            System.err.println("failover: --kills and --gateways must be positive");
            return ExitCode.USAGE;
        }
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("sluice-bench-failover");
        FailoverReport report;
        try (FailoverDrill drill = new FailoverDrill(
                work.resolve("drill"),
                "jdbc:postgresql://" + pg + "/",
                pgRole.user,
                pgRole.password,
                gateways,
                0,
                System.getProperty("java.class.path"),
                System.out)) {
            drill.start();
            for (int kill = 1; kill <= n; kill++) {
                drill.killActive(kill);
            }
            report = drill.finish();
        } finally {
            if (keep) {
                System.out.println("kept: " + work);
            } else {
                deleteTree(work);
            }
        }
        long wallSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.println(report.table());
        System.out.println("stored-sample gaps and overlaps (first 20): "
                + report.samples().detail());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "failover");
        json.put("kills", report.kills());
        json.put("takeover_p50_s", seconds(report.takeoverP50Millis()));
        json.put("takeover_max_s", seconds(report.takeoverMaxMillis()));
        json.put("lost_samples", report.lostSamples());
        json.put("reports_lost_in_takeovers", report.samples().lostInTakeovers());
        json.put("duplicate_samples", report.duplicateSamples());
        json.put("stale_epoch_sets_applied", report.staleEpochSetsApplied());
        json.put("edits_lost", report.editsLost());
        json.put("fio_runs", report.fioRuns());
        json.put("fio_failures", report.fioFailures().size());
        json.put("simulated_gateways", gateways);
        json.put("wall_s", wallSeconds);
        json.put("loadavg", loadAvg());
        System.out.println(JsonLine.of(json));
        boolean clean = report.lostSamples() == 0
                && report.duplicateSamples() == 0
                && report.staleEpochSetsApplied() == 0
                && report.editsLost() == 0
                && report.fioFailures().isEmpty();
        return clean ? ExitCode.OK : ExitCode.SOFTWARE;
    }

    private static String seconds(long millis) {
        return "%.2f".formatted(millis / 1_000.0);
    }

    /** /proc/loadavg's three averages. */
    private static String loadAvg() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "? ? ?";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
