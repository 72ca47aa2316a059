package io.sluice.bench.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.bench.PgRoleOptions;
import io.sluice.common.ExitCode;
import io.sluice.db.HistoryLayout;
import io.sluice.db.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench db}: the database manager on H2 and on PostgreSQL side by side: sustained ingestion (batched
 * path, row by row, end to end through the mailbox) and query latency p99.
 */
@Command(
        name = "db",
        mixinStandardHelpOptions = true,
        description = "Database manager: ingestion (samples/s) and query p99 on H2 and PostgreSQL; last line is JSON.")
public final class DbBenchmark implements Callable<Integer> {
    @Option(
            names = "--quick",
            description = "shorter runs, 10 instead of 1,000 volumes for the day query, 5 SLAs for the report")
    boolean quick;

    @Option(
            names = "--summary-volumes",
            description = "volumes in the day summary (default 1,000; 10 with --quick):"
                    + " --quick --summary-volumes 1000 times the full-size summary after the short ingestion runs")
    Integer summaryVolumesOption;

    @Option(
            names = "--sustain",
            paramLabel = "SECONDS",
            description = "instead of the usual runs: ingest 10,000 volumes"
                    + " at 1 s (20,000 samples/s) for SECONDS while rollups, retention and the dashboard's summary run")
    Integer sustainSeconds;

    @Option(
            names = "--sustain-rate",
            paramLabel = "SAMPLES_PER_S",
            defaultValue = "20000",
            description = "samples/s to sustain"
                    + " (default ${DEFAULT-VALUE}, 10,000 volumes at 1 s); above 20,000 the data's clock runs that many times faster than"
                    + " real time, so 200,000 is the load of 100,000 volumes at 1 s with 10,000 volumes' rows")
    int sustainRate;

    @Option(
            names = "--h2-options",
            defaultValue = "",
            paramLabel = "SETTINGS",
            description = "with --sustain: settings appended"
                    + " to H2's URL, e.g. ';CACHE_SIZE=262144', to compare H2 settings")
    String h2Options;

    @Option(
            names = "--sustain-layout",
            defaultValue = "rows",
            description = "with --sustain: how 1 s history is stored, rows or minute-rows (default ${DEFAULT-VALUE})")
    String sustainLayout;

    @Option(
            names = "--sustain-engine",
            defaultValue = "h2",
            description = "h2, postgresql or both (default ${DEFAULT-VALUE})")
    String sustainEngine;

    @Option(
            names = "--pg",
            defaultValue = "127.0.0.1:5432",
            description = "PostgreSQL HOST:PORT (default ${DEFAULT-VALUE})")
    String pg;

    @Mixin
    PgRoleOptions pgRole = new PgRoleOptions();

    @Override
    public Integer call() throws Exception {
        int summaryVolumes = summaryVolumesOption != null ? summaryVolumesOption : quick ? 10 : 1_000;
        if (summaryVolumes < 1 || summaryVolumes > 100_000) {
            System.err.println("--summary-volumes must be 1..100000");
            return ExitCode.USAGE;
        }
        Path work = Files.createTempDirectory("sluice-bench-db");
        String database =
                "sluice_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String admin = "jdbc:postgresql://" + pg + "/postgres";
        try {
            if (sustainSeconds != null) {
                return sustain(work, database, admin);
            }
            System.out.printf(
                    "db benchmark: %s mode, batches of %d samples, day query over %d volumes%n",
                    quick ? "quick" : "full", EngineBench.BATCH_SAMPLES, summaryVolumes);
            // Without a query cache H2 runs every repetition of a query: with it, it hands the last result
            // back while nothing was written, which is never the case under ingestion and would time nothing.
            EngineBench.Result h2 = new EngineBench(
                            "h2",
                            "jdbc:h2:file:" + work.resolve("h2/sluice") + ";QUERY_CACHE_SIZE=0",
                            "sluice",
                            "",
                            work,
                            quick,
                            summaryVolumes)
                    .run();
            print("h2", h2);
            try (Connection c = DriverManager.getConnection(admin, pgRole.user, pgRole.password);
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
            }
            EngineBench.Result postgres = new EngineBench(
                            "postgresql",
                            "jdbc:postgresql://" + pg + "/" + database,
                            pgRole.user,
                            pgRole.password,
                            work,
                            quick,
                            summaryVolumes)
                    .run();
            print("postgresql", postgres);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("benchmark", "db");
            line.put("quick", quick);
            line.put("ingest_per_s_postgres", Math.round(postgres.ingestPerSecond()));
            line.put("ingest_per_s_h2", Math.round(h2.ingestPerSecond()));
            line.put("batched_vs_row_by_row", round(postgres.ingestPerSecond() / postgres.rowByRowPerSecond()));
            line.put("batched_vs_row_by_row_h2", round(h2.ingestPerSecond() / h2.rowByRowPerSecond()));
            line.put("ingest_mailbox_per_s_postgres", Math.round(postgres.endToEndPerSecond()));
            line.put("ingest_mailbox_per_s_h2", Math.round(h2.endToEndPerSecond()));
            line.put("query_p99_ms_postgres", round(postgres.worstQueryP99Millis()));
            line.put("query_p99_ms_h2", round(h2.worstQueryP99Millis()));
            line.put("range_1h_1s_p99_ms_postgres", round(postgres.rangeP99Millis()));
            line.put("summary_24h_1m_p99_ms_postgres", round(postgres.summaryP99Millis()));
            line.put("report_30d_p99_ms_postgres", round(postgres.reportP99Millis()));
            line.put("range_1h_1s_p99_ms_h2", round(h2.rangeP99Millis()));
            line.put("summary_24h_1m_p99_ms_h2", round(h2.summaryP99Millis()));
            line.put("report_30d_p99_ms_h2", round(h2.reportP99Millis()));
            line.put("summary_volumes", summaryVolumes);
            System.out.println(new ObjectMapper().writeValueAsString(line));
            return ExitCode.OK;
        } finally {
            try (Connection c = DriverManager.getConnection(admin, pgRole.user, pgRole.password);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop " + database + ": " + e.getMessage());
            }
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private int sustain(Path work, String database, String admin) throws Exception {
        if (sustainSeconds < 10
                || sustainRate < 1_000
                || !List.of("h2", "postgresql", "both").contains(sustainEngine)) {
            System.err.println(
                    "--sustain needs at least 10 seconds; --sustain-rate at least 1000; --sustain-engine is h2,"
                            + " postgresql or both");
            return ExitCode.USAGE;
        }
        HistoryLayout layout;
        try {
            layout = HistoryLayout.of("--sustain-layout", sustainLayout);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return ExitCode.USAGE;
        }
        System.out.printf(
                "db sustained ingestion: %d volumes, %,d samples/s, %d s, rollups, retention and a summary every 5 s"
                        + " alongside%n",
                SustainBench.VOLUMES, sustainRate, sustainSeconds);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("benchmark", "db-sustain");
        line.put("seconds", sustainSeconds);
        line.put("rate_per_s", sustainRate);
        line.put("layout", layout.label());
        if (!sustainEngine.equals("postgresql")) {
            try (Database h2 = Database.open(
                    "jdbc:h2:file:" + work.resolve("h2-sustain/sluice") + ";QUERY_CACHE_SIZE=0" + h2Options,
                    "sluice",
                    "",
                    4,
                    5_000)) {
                put(
                        line,
                        "h2",
                        new SustainBench(h2, sustainSeconds, sustainRate, layout, work.resolve("h2-journal")).run());
            }
        }
        if (!sustainEngine.equals("h2")) {
            try (Connection c = DriverManager.getConnection(admin, pgRole.user, pgRole.password);
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
            }
            try (Database postgres =
                    Database.open("jdbc:postgresql://" + pg + "/" + database, pgRole.user, pgRole.password, 4, 5_000)) {
                put(
                        line,
                        "postgres",
                        new SustainBench(postgres, sustainSeconds, sustainRate, layout, work.resolve("pg-journal"))
                                .run());
            }
        }
        System.out.println(new ObjectMapper().writeValueAsString(line));
        return ExitCode.OK;
    }

    private static void put(Map<String, Object> line, String engine, SustainBench.Result r) {
        System.out.printf(
                "%-10s %,.0f samples/s of %,.0f; minute rollup %d s behind the data at the end; p99 ms: maintenance"
                        + " step %.1f, summary %.1f (%d summaries)%n",
                engine,
                r.samplesPerSecond(),
                r.targetPerSecond(),
                r.rollupLagSeconds(),
                r.maintenanceP99Millis(),
                r.summaryP99Millis(),
                r.summaries());
        line.put("sustained_per_s_" + engine, Math.round(r.samplesPerSecond()));
        line.put("sustained_vs_target_" + engine, round(r.samplesPerSecond() / r.targetPerSecond()));
        line.put("rollup_lag_s_" + engine, r.rollupLagSeconds());
        line.put("maintenance_p99_ms_" + engine, round(r.maintenanceP99Millis()));
        line.put("summary_1h_p99_ms_" + engine, round(r.summaryP99Millis()));
    }

    private static void print(String engine, EngineBench.Result r) {
        System.out.printf(
                "%-10s ingest %,.0f samples/s batched, %,.0f row by row (x%.1f), %,.0f through the mailbox;"
                        + " p99 ms: 1 h at 1 s %.1f, 24 h at 1 min %.1f, 30-day report %.1f%n",
                engine,
                r.ingestPerSecond(),
                r.rowByRowPerSecond(),
                r.ingestPerSecond() / r.rowByRowPerSecond(),
                r.endToEndPerSecond(),
                r.rangeP99Millis(),
                r.summaryP99Millis(),
                r.reportP99Millis());
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
