package io.sluice.db;

import io.sluice.common.AgentRunner;
import io.sluice.common.BackoffIdleStrategy;
import io.sluice.common.PrivateFiles;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.ingest.MinuteWriter;
import io.sluice.db.ingest.OpenMinutes;
import io.sluice.db.ingest.SampleIngestor;
import io.sluice.db.ingest.SampleJournal;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.mailbox.DbEndpoint;
import io.sluice.db.store.Database;
import io.sluice.db.store.JdbcUrls;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.ReplicationCheck;
import io.sluice.db.store.SqlStates;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.StuckCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * The database manager process: opens the database (migrating it), the journal and the mailbox, starts ingestion, the
 * mailbox loop and history maintenance, in that order, and closes them in reverse. See CONCURRENCY.md for the threads.
 */
public final class DbManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DbManager.class.getName());

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final Database database;
    private final SampleIngestor ingestor;
    private final DbEndpoint endpoint;
    private final AgentRunner maintenance;
    private final KnownVolumes knownVolumes = new KnownVolumes();
    private final StuckCalls stuckCalls;
    /**
     * A call the manager took and has not answered for this long is stuck (a batch's reply waits for its samples to be
     * stored or journaled, a query for its transaction): far beyond the store timeout and any caller's patience.
     */
    static final long STUCK_CALL_MILLIS = 120_000;

    public DbManager(DbContext context) throws IOException {
        // The embedded database, the journal and whatever else lands here are the server user's alone.
        PrivateFiles.ensureDirectory(context.dataDir());
        Path embedded = embeddedDirectory(context);
        if (embedded != null) {
            PrivateFiles.ensureDirectory(embedded);
        }
        try {
            database = Database.connect(
                    context.jdbcUrl(),
                    context.jdbcUser(),
                    context.jdbcPassword(),
                    context.poolSize(),
                    context.connectTimeoutMillis(),
                    null);
            opened.push(database);
            if (migrateIfReachable(database)) {
                MaintenanceLoop.loadKnownVolumes(database, knownVolumes);
                warnOfFailoverRisk();
            }
            if (embedded != null) {
                closeToOthers(embedded);
            }
            SampleJournal journal = SampleJournal.open(context.journalFile(), context.maxJournalBytes());
            opened.push(journal);
            SampleJournal rejected = SampleJournal.open(context.rejectedFile(), Long.MAX_VALUE);
            opened.push(rejected);
            OpenMinutes minutes = null;
            if (context.historyLayout() == HistoryLayout.MINUTE_ROWS) {
                minutes = OpenMinutes.open(context.minuteJournalDir());
                opened.push(minutes);
            }
            Mailbox mailbox = Mailbox.openOrCreate(context.mailboxFile(), ServerMailboxes.DB, context.clock());
            opened.push(mailbox);
            MailboxCallee callee = MailboxCallee.attach(mailbox);
            opened.push(callee);
            stuckCalls = new StuckCalls(mailbox, STUCK_CALL_MILLIS);
            SampleIngestor[] ingestion = new SampleIngestor[1];
            DbOps ops = new DbOps(database, context.clock(), () -> ingestion[0].status(), knownVolumes, minutes);
            endpoint = new DbEndpoint(
                    callee,
                    new JsonCalls(ops, mailbox.geometry().paramCapacity()),
                    context.maxSamplesPerBatch(),
                    knownVolumes);
            ingestor = new SampleIngestor(
                    database,
                    journal,
                    rejected,
                    endpoint::completeBatch,
                    context.clock(),
                    context.maxBufferedSamples(),
                    context.samplesPerTransaction(),
                    context.retryMillis(),
                    context.storeTimeoutMillis(),
                    minutes);
            ingestor.start();
            ingestion[0] = ingestor;
            opened.push(ingestor);
            endpoint.start(ingestor);
            opened.push(endpoint);
            HistoryMaintenance history = new HistoryMaintenance(
                    database, context.retention(), minutes == null ? null : new MinuteWriter(database, minutes));
            maintenance = new AgentRunner(
                    new MaintenanceLoop(database, knownVolumes, history),
                    BackoffIdleStrategy.fixedPause(TimeUnit.MILLISECONDS.toNanos(context.maintenanceEveryMillis())),
                    context.clock(),
                    30_000);
            maintenance.start();
            opened.push(maintenance);
        } catch (RuntimeException | IOException e) {
            closeOpened(e);
            throw e;
        }
    }

    /** The embedded database's directory when the manager runs the default H2 store, else null. */
    private static Path embeddedDirectory(DbContext context) {
        return context.jdbcUrl().equals(DbContext.defaultJdbcUrl(context.dataDir()))
                ? context.dataDir().toAbsolutePath().resolve("db")
                : null;
    }

    /** H2 creates its files under the process's umask; the ones it made are closed to group and others. */
    private static void closeToOthers(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    PrivateFiles.ensureFile(file);
                }
            }
        }
    }

    /**
     * Null while the manager answers its calls; else its mailbox or maintenance loop that stopped, or the call it took
     * and left unanswered, for its exit.
     */
    public String problem() {
        String loop = endpoint.problem();
        if (loop == null) {
            loop = maintenance.problem(System.nanoTime(), Long.MAX_VALUE);
        }
        return loop != null ? loop : stuckCalls.problem();
    }

    /**
     * Migrates now if the server answers; if it does not, the manager still starts (samples go to the journal) and the
     * first transaction that reaches the server migrates. Any other failure (a broken migration, wrong credentials)
     * stops the start. True when the server answered.
     */
    private static boolean migrateIfReachable(Database database) throws IOException {
        try {
            database.ensureMigrated();
            return true;
        } catch (SQLException e) {
            if (!SqlStates.isConnectionFailure(e)) {
                throw new IOException("database " + JdbcUrls.redact(database.url()) + ": " + e.getMessage(), e);
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "database unreachable at start; journaling samples until it answers: " + e.getMessage());
            return false;
        }
    }

    /** Says once, at start, when the database's failover could lose acknowledged samples ({@link ReplicationCheck}). */
    private void warnOfFailoverRisk() {
        try {
            String risk = ReplicationCheck.failoverRisk(database);
            if (risk != null) {
                LOG.log(System.Logger.Level.WARNING, risk);
            }
        } catch (SQLException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "could not read the database's replication settings: " + e.getMessage());
        }
    }

    public Database database() {
        return database;
    }

    public IngestionStatus ingestionStatus() {
        return ingestor.status();
    }

    @Override
    public void close() {
        closeOpened(null);
    }

    private void closeOpened(Throwable cause) {
        AutoCloseable next;
        while ((next = opened.poll()) != null) {
            try {
                next.close();
            } catch (Exception e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "closing " + next + " failed", e);
                }
            }
        }
    }
}
