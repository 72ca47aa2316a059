package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import io.sluice.db.DbContext;
import io.sluice.db.DbManager;
import io.sluice.db.HistoryLayout;
import io.sluice.db.copy.CopyEndpoint;
import io.sluice.db.copy.CopyReport;
import io.sluice.db.copy.DatabaseCopy;
import io.sluice.db.copy.DatabaseCopyException;
import io.sluice.db.copy.TableCount;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.store.JdbcUrls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice db}: the database manager on its own (SLA store, registry, performance history). */
@Command(
        name = "db",
        mixinStandardHelpOptions = true,
        subcommands = DbCommand.Copy.class,
        description =
                "Run the database manager: serve the db mailbox, store SLAs and performance history (H2 or PostgreSQL).")
final class DbCommand implements Callable<Integer> {
    @Option(
            names = "--data-dir",
            defaultValue = "data",
            description = "embedded database and journal (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(
            names = "--jdbc-url",
            description = "database URL (default: H2 under the data dir; jdbc:postgresql://... for PostgreSQL); "
                    + "every local user sees a command line: use --jdbc-url-file when the URL holds a password")
    String jdbcUrl;

    @Option(
            names = "--jdbc-url-file",
            description = "file (0600, this user's) holding the database URL; how the supervisor passes it")
    Path jdbcUrlFile;

    @Option(
            names = "--insecure-database-link",
            description = "accept a PostgreSQL server on another host without TLS that "
                    + "verifies it (sslmode=verify-full); database.insecure-link in the server's configuration")
    boolean insecureLink;

    @Option(
            names = "--history-layout",
            defaultValue = "rows",
            description = "how per-second history is stored: rows (default) or minute-rows;"
                    + " database.history-layout in the server's configuration")
    String historyLayout;

    @Option(names = "--jdbc-user", defaultValue = "sluice", description = "database user (default ${DEFAULT-VALUE})")
    String jdbcUser;

    @Option(names = "--jdbc-password-file", description = "file holding the database password")
    Path jdbcPasswordFile;

    @Mixin
    MailboxOptions mailboxes = new MailboxOptions();

    @Option(names = "--status-every", defaultValue = "10000", description = "ms between status lines; 0 for none")
    long statusEvery;

    @Override
    public Integer call() throws Exception {
        DbContext context;
        try {
            String url = jdbcUrl;
            if (JdbcUrls.hasPassword(url)) {
                throw new IllegalArgumentException(
                        "--jdbc-url holds a password, which every local user can read on a command line; "
                                + "give it in --jdbc-url-file or --jdbc-password-file");
            }
            if (jdbcUrlFile != null) {
                if (url != null) {
                    throw new IllegalArgumentException("give --jdbc-url or --jdbc-url-file, not both");
                }
                url = new String(PrivateFiles.readSecret(jdbcUrlFile), StandardCharsets.UTF_8).strip();
            }
            context = DbContext.builder()
                    .dataDir(dataDir)
                    .jdbcUrl(url)
                    .jdbcUser(jdbcUser)
                    .jdbcPassword(
                            jdbcPasswordFile == null
                                    ? ""
                                    : new String(PrivateFiles.readSecret(jdbcPasswordFile), StandardCharsets.UTF_8)
                                            .strip())
                    .insecureLink(insecureLink)
                    .historyLayout(HistoryLayout.of("--history-layout", historyLayout))
                    .mailboxDir(mailboxes.dir)
                    .mailboxName(mailboxes.name)
                    .build();
        } catch (PrivateFiles.NotPrivateException e) {
            System.err.println("db: " + e.getMessage() + "; chmod 600 it");
            return ExitCode.USAGE;
        } catch (IllegalArgumentException e) {
            System.err.println("db: " + e.getMessage());
            return ExitCode.USAGE;
        }
        try (UntilSignalled signal = new UntilSignalled(15_000);
                DbManager manager = new DbManager(context)) {
            System.out.println("db running: " + manager.database().engine().label() + " at "
                    + JdbcUrls.redact(context.jdbcUrl()) + ", mailbox " + context.mailboxFile());
            return signal.watch(
                    "db unhealthy, stopping so that it is started afresh", manager::problem, statusEvery, () -> {
                        IngestionStatus s = manager.ingestionStatus();
                        System.out.printf(
                                "stored %d samples, buffered %d, journaled %d%s%n",
                                s.storedSamples(),
                                s.bufferedSamples(),
                                s.journaledSamples(),
                                s.degraded() ? ", DEGRADED: " + s.lastError() : "");
                    });
        }
    }

    /** {@code sluice db copy}: moves a stopped server's database into another (H2 to PostgreSQL, usually). */
    @Command(
            name = "copy",
            mixinStandardHelpOptions = true,
            description =
                    "Copy every table of a Sluice database into a fresh one, then compare the row counts of both sides.")
    static final class Copy implements Callable<Integer> {
        @Option(
                names = "--data-dir",
                defaultValue = "data",
                description = "data dir of the embedded H2 source (default ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--from", description = "source URL instead of the embedded H2 under the data dir")
        String fromUrl;

        @Option(names = "--from-user", defaultValue = "sluice", description = "source user (default ${DEFAULT-VALUE})")
        String fromUser;

        @Option(names = "--from-password-file", description = "file holding the source's password")
        Path fromPasswordFile;

        @Option(names = "--to", required = true, description = "target URL, e.g. jdbc:postgresql://HOST:5432/sluice")
        String toUrl;

        @Option(names = "--to-user", defaultValue = "sluice", description = "target user (default ${DEFAULT-VALUE})")
        String toUser;

        @Option(names = "--to-password-file", description = "file holding the target's password")
        Path toPasswordFile;

        @Option(
                names = "--replace",
                description = "delete the target's rows first instead of refusing a target that holds data")
        boolean replace;

        @Override
        public Integer call() {
            if (JdbcUrls.hasPassword(fromUrl) || JdbcUrls.hasPassword(toUrl)) {
                System.err.println(
                        "db copy: a URL holds a password, which every local user can read on a command line; "
                                + "give it in --from-password-file or --to-password-file");
                return ExitCode.USAGE;
            }
            if (fromUrl == null && !Files.exists(dataDir.resolve("db").resolve("sluice.mv.db"))) {
                System.err.println("db copy: no embedded database under " + dataDir.toAbsolutePath()
                        + " (give --data-dir or --from)");
                return ExitCode.USAGE;
            }
            CopyEndpoint source;
            CopyEndpoint target;
            try {
                source = new CopyEndpoint(
                        fromUrl == null ? DbContext.defaultJdbcUrl(dataDir) : fromUrl,
                        fromUser,
                        password(fromPasswordFile));
                target = new CopyEndpoint(toUrl, toUser, password(toPasswordFile));
            } catch (IOException e) {
                System.err.println("db copy: cannot read a password file: " + e.getMessage());
                return ExitCode.USAGE;
            }
            CopyReport report;
            try {
                report = new DatabaseCopy(source, target, replace, System.out::println).run();
            } catch (DatabaseCopyException e) {
                System.err.println("db copy: " + e.getMessage());
                return ExitCode.FAILURE;
            }
            System.out.printf(
                    "schema version %s%n%-24s %12s %12s%n", report.schemaVersion(), "table", "source", "target");
            for (TableCount t : report.tables()) {
                System.out.printf(
                        "%-24s %12d %12d%s%n",
                        t.table(), t.sourceRows(), t.targetRows(), t.equal() ? "" : "  DIFFERENT");
            }
            if (!report.countsEqual()) {
                System.err.println("db copy: the row counts differ; the target is not a faithful copy");
                return ExitCode.FAILURE;
            }
            System.out.println("db copy: done, every table has the same number of rows on both sides");
            return ExitCode.OK;
        }

        private static String password(Path file) throws IOException {
            return file == null ? "" : new String(PrivateFiles.readSecret(file), StandardCharsets.UTF_8).strip();
        }
    }
}
