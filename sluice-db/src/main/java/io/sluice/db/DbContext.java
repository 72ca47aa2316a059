package io.sluice.db;

import io.sluice.common.EpochClock;
import io.sluice.db.store.Engine;
import io.sluice.db.store.JdbcUrls;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The database manager's configuration, validated on {@link Builder#build}: where its data lives, which database it
 * uses, its mailbox, retention and the limits of the nothing-lost path.
 */
public record DbContext(
        Path dataDir,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        Path mailboxDir,
        String mailboxName,
        Retention retention,
        long maxBufferedSamples,
        long maxJournalBytes,
        int samplesPerTransaction,
        int maxSamplesPerBatch,
        long retryMillis,
        int storeTimeoutMillis,
        long maintenanceEveryMillis,
        int poolSize,
        long connectTimeoutMillis,
        HistoryLayout historyLayout,
        EpochClock clock) {

    public static Builder builder() {
        return new Builder();
    }

    /** The default embedded store: H2 in file mode under the data directory. */
    public static String defaultJdbcUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db").resolve("sluice");
    }

    public Path journalFile() {
        return dataDir.resolve("journal").resolve("samples.journal");
    }

    /** Journaled batches the database refused for good (not for being down): kept for an operator. */
    public Path rejectedFile() {
        return dataDir.resolve("journal").resolve("rejected.journal");
    }

    /** The minute-rows layout's journal: one segment per open minute. */
    public Path minuteJournalDir() {
        return dataDir.resolve("journal").resolve("minutes");
    }

    public Path mailboxFile() {
        return ServerMailboxes.file(mailboxDir, mailboxName, ServerMailboxes.DB_SUFFIX);
    }

    public static final class Builder {
        private Path dataDir;
        private String jdbcUrl;
        private String jdbcUser = "sluice";
        private String jdbcPassword = "";
        private Path mailboxDir = Path.of("/dev/shm");
        private String mailboxName = "sluice";
        private Retention retention = Retention.DEFAULT;
        private long maxBufferedSamples = 200_000;
        private long maxJournalBytes = 1L << 30;
        private int samplesPerTransaction = 20_000;
        private int maxSamplesPerBatch = SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity());
        private long retryMillis = 1_000;
        private int storeTimeoutMillis = 5_000;
        private long maintenanceEveryMillis = 10_000;
        private int poolSize = 8;
        private long connectTimeoutMillis = 2_000;
        private boolean insecureLink;
        private HistoryLayout historyLayout = HistoryLayout.ROWS;
        private EpochClock clock = EpochClock.system();

        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder jdbcUrl(String url) {
            this.jdbcUrl = url;
            return this;
        }

        public Builder jdbcUser(String user) {
            this.jdbcUser = user;
            return this;
        }

        public Builder jdbcPassword(String password) {
            this.jdbcPassword = password;
            return this;
        }

        public Builder mailboxDir(Path dir) {
            this.mailboxDir = dir;
            return this;
        }

        public Builder mailboxName(String name) {
            this.mailboxName = name;
            return this;
        }

        public Builder retention(Retention r) {
            this.retention = r;
            return this;
        }

        public Builder maxBufferedSamples(long samples) {
            this.maxBufferedSamples = samples;
            return this;
        }

        public Builder maxJournalBytes(long bytes) {
            this.maxJournalBytes = bytes;
            return this;
        }

        public Builder samplesPerTransaction(int samples) {
            this.samplesPerTransaction = samples;
            return this;
        }

        public Builder retryMillis(long millis) {
            this.retryMillis = millis;
            return this;
        }

        /** How long a store may wait for the server before its samples go to the journal instead. */
        public Builder storeTimeoutMillis(int millis) {
            this.storeTimeoutMillis = millis;
            return this;
        }

        public Builder maintenanceEveryMillis(long millis) {
            this.maintenanceEveryMillis = millis;
            return this;
        }

        public Builder poolSize(int size) {
            this.poolSize = size;
            return this;
        }

        public Builder connectTimeoutMillis(long millis) {
            this.connectTimeoutMillis = millis;
            return this;
        }

        /**
         * Accepts a PostgreSQL server on another host without TLS that verifies it (see {@link JdbcUrls#linkProblem}).
         */
        public Builder insecureLink(boolean allowed) {
            this.insecureLink = allowed;
            return this;
        }

        /** How per-second history is stored ({@link HistoryLayout}); default rows. */
        public Builder historyLayout(HistoryLayout layout) {
            this.historyLayout = layout;
            return this;
        }

        public Builder clock(EpochClock c) {
            this.clock = c;
            return this;
        }

        /** Validates; throws IllegalArgumentException naming the first bad setting. */
        public DbContext build() {
            Objects.requireNonNull(dataDir, "data dir");
            String url = jdbcUrl == null || jdbcUrl.isBlank() ? defaultJdbcUrl(dataDir) : jdbcUrl;
            Engine.of(url);
            String linkProblem = JdbcUrls.linkProblem(url, insecureLink);
            require(linkProblem == null, linkProblem);
            require(
                    mailboxName != null && mailboxName.matches("[A-Za-z0-9_.-]+"),
                    "mailbox name must be [A-Za-z0-9_.-]+");
            require(maxBufferedSamples >= maxSamplesPerBatch, "the memory buffer must hold at least one full batch");
            require(
                    maxJournalBytes >= SampleBatchDescriptor.batchLength(maxSamplesPerBatch) + 12L,
                    "the journal must hold at least one full batch");
            require(samplesPerTransaction > 0, "samples per transaction must be positive");
            require(
                    retryMillis > 0 && maintenanceEveryMillis > 0 && storeTimeoutMillis > 0,
                    "intervals must be positive");
            require(poolSize >= 2, "the pool needs at least 2 connections (ingestion and queries)");
            require(connectTimeoutMillis >= 250, "connect timeout must be at least 250 ms");
            return new DbContext(
                    dataDir,
                    url,
                    jdbcUser,
                    jdbcPassword == null ? "" : jdbcPassword,
                    mailboxDir,
                    mailboxName,
                    retention,
                    maxBufferedSamples,
                    maxJournalBytes,
                    samplesPerTransaction,
                    maxSamplesPerBatch,
                    retryMillis,
                    storeTimeoutMillis,
                    maintenanceEveryMillis,
                    poolSize,
                    connectTimeoutMillis,
                    Objects.requireNonNull(historyLayout, "history layout"),
                    Objects.requireNonNull(clock));
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
