package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.db.DbContext;
import io.sluice.db.DbManager;
import io.sluice.db.ingest.IngestionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice db}: the database manager on its own (SLA store, registry, performance history). */
@Command(name = "db", mixinStandardHelpOptions = true,
        description = "Run the database manager: serve the db mailbox, store SLAs and performance history (H2 or PostgreSQL).")
final class DbCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "data", description = "embedded database and journal (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--jdbc-url", description = "database URL (default: H2 under the data dir; jdbc:postgresql://... for PostgreSQL)")
    String jdbcUrl;

    @Option(names = "--jdbc-user", defaultValue = "sluice", description = "database user (default ${DEFAULT-VALUE})")
    String jdbcUser;

    @Option(names = "--jdbc-password-file", description = "file holding the database password")
    Path jdbcPasswordFile;

    @Option(names = "--mailbox-dir", defaultValue = "/dev/shm", description = "where the mailboxes live")
    Path mailboxDir;

    @Option(names = "--mailbox-name", defaultValue = "sluice", description = "prefix of the mailbox files (default ${DEFAULT-VALUE})")
    String mailboxName;

    @Option(names = "--status-every", defaultValue = "10000", description = "ms between status lines; 0 for none")
    long statusEvery;

    @Override
    public Integer call() throws Exception {
        DbContext context;
        try {
            context = DbContext.builder().dataDir(dataDir).jdbcUrl(jdbcUrl).jdbcUser(jdbcUser)
                    .jdbcPassword(jdbcPasswordFile == null ? "" : Files.readString(jdbcPasswordFile).strip())
                    .mailboxDir(mailboxDir).mailboxName(mailboxName).build();
        } catch (IllegalArgumentException e) {
            System.err.println("db: " + e.getMessage());
            return ExitCode.USAGE;
        }
        try (UntilSignalled signal = new UntilSignalled(15_000);
             DbManager manager = new DbManager(context)) {
            System.out.println("db running: " + manager.database().engine().label() + " at " + context.jdbcUrl()
                    + ", mailbox " + context.mailboxFile());
            while (!signal.awaitStop(statusEvery)) {
                IngestionStatus s = manager.ingestionStatus();
                System.out.printf("stored %d samples, buffered %d, journaled %d%s%n", s.storedSamples(), s.bufferedSamples(),
                        s.journaledSamples(), s.degraded() ? ", DEGRADED: " + s.lastError() : "");
            }
        }
        return ExitCode.OK;
    }
}
