package io.sluice.bench.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench db}: the database manager on H2 and on PostgreSQL side by side: sustained
 * ingestion (batched path, row by row, end to end through the mailbox) and query latency p99.
 */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Database manager: ingestion (samples/s) and query p99 on H2 and PostgreSQL; last line is JSON.")
public final class DbBenchmark implements Callable<Integer> {
    @Option(names = "--quick", description = "shorter runs, 10 instead of 1,000 volumes for the day query, 5 SLAs for the report")
    boolean quick;

    @Option(names = "--pg", defaultValue = "127.0.0.1:5432", description = "PostgreSQL HOST:PORT (default ${DEFAULT-VALUE})")
    String pg;

    @Option(names = "--pg-user", defaultValue = "sluice", description = "a role allowed to create databases")
    String pgUser;

    @Option(names = "--pg-password", defaultValue = "sluice")
    String pgPassword;

    @Override
    public Integer call() throws Exception {
        int summaryVolumes = quick ? 10 : 1_000;
        Path work = Files.createTempDirectory("sluice-bench-db");
        String database = "sluice_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String admin = "jdbc:postgresql://" + pg + "/postgres";
        try {
            System.out.printf("db benchmark: %s mode, batches of %d samples, day query over %d volumes%n",
                    quick ? "quick" : "full", EngineBench.BATCH_SAMPLES, summaryVolumes);
            // Without a query cache H2 runs every repetition of a query: with it, it hands the last result
            // back while nothing was written, which is never the case under ingestion and would time nothing.
            EngineBench.Result h2 = new EngineBench("h2", "jdbc:h2:file:" + work.resolve("h2/sluice") + ";QUERY_CACHE_SIZE=0",
                    "sluice", "", work, quick, summaryVolumes).run();
            print("h2", h2);
            try (Connection c = DriverManager.getConnection(admin, pgUser, pgPassword); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + database);
            }
            EngineBench.Result postgres = new EngineBench("postgresql", "jdbc:postgresql://" + pg + "/" + database, pgUser,
                    pgPassword, work, quick, summaryVolumes).run();
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
            try (Connection c = DriverManager.getConnection(admin, pgUser, pgPassword); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (java.sql.SQLException e) {
                System.err.println("could not drop " + database + ": " + e.getMessage());
            }
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void print(String engine, EngineBench.Result r) {
        System.out.printf("%-10s ingest %,.0f samples/s batched, %,.0f row by row (x%.1f), %,.0f through the mailbox;"
                        + " p99 ms: 1 h at 1 s %.1f, 24 h at 1 min %.1f, 30-day report %.1f%n", engine, r.ingestPerSecond(),
                r.rowByRowPerSecond(), r.ingestPerSecond() / r.rowByRowPerSecond(), r.endToEndPerSecond(), r.rangeP99Millis(),
                r.summaryP99Millis(), r.reportP99Millis());
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
