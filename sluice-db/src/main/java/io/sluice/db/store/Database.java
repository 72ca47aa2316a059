package io.sluice.db.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The connection pool and the schema: migrates to the latest version on open, then lends connections for transactions.
 * Both engines get the same SQL; H2 runs in PostgreSQL mode.
 */
public final class Database implements AutoCloseable {
    private final Engine engine;
    private final String url;
    private final String user;
    private final String password;
    private final String targetVersion;
    private final HikariDataSource pool;
    private volatile boolean migrated;

    private Database(
            Engine engine, String url, String user, String password, String targetVersion, HikariDataSource pool) {
        this.engine = engine;
        this.url = url;
        this.user = user;
        this.password = password;
        this.targetVersion = targetVersion;
        this.pool = pool;
    }

    /** Opens the pool and migrates to the latest schema; fails if the server cannot be reached. */
    public static Database open(String url, String user, String password, int poolSize, long connectTimeoutMillis)
            throws SQLException {
        return open(url, user, password, poolSize, connectTimeoutMillis, null);
    }

    /** As {@link #open(String, String, String, int, long)}, migrating only up to {@code targetVersion} (tests). */
    public static Database open(
            String url, String user, String password, int poolSize, long connectTimeoutMillis, String targetVersion)
            throws SQLException {
        Database database = connect(url, user, password, poolSize, connectTimeoutMillis, targetVersion);
        try {
            database.ensureMigrated();
        } catch (SQLException | RuntimeException e) {
            database.close();
            throw e;
        }
        return database;
    }

    /**
     * Opens the pool without touching the server: the schema is migrated by the first transaction that reaches it, so
     * the manager can come up (and journal samples) while the server is down. {@code connectTimeoutMillis} bounds how
     * long a caller waits for a connection when the server is down, so the ingestion thread falls back to its journal
     * quickly.
     */
    public static Database connect(
            String url, String user, String password, int poolSize, long connectTimeoutMillis, String targetVersion) {
        Engine engine = Engine.of(url);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(engine == Engine.H2 ? withH2Mode(url) : url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(250, connectTimeoutMillis));
        config.setValidationTimeout(Math.max(250, Math.min(connectTimeoutMillis, 1_000)));
        config.setAutoCommit(false);
        config.setPoolName("sluice-db");
        config.setInitializationFailTimeout(-1);
        if (engine == Engine.POSTGRESQL) {
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            // The aggregates over many bucket columns cross the JIT's cost threshold; compiling them
            // takes longer than running them. Every query here is bounded (a page, a rollup window, a
            // summary over hour rows), and parallel workers for such queries cost more than they save
            // while the services share the cores: a day's summary took twice as long with them.
            config.setConnectionInitSql("SET jit = off; SET max_parallel_workers_per_gather = 0");
            config.setExceptionOverride(new DemotedServerEviction());
        }
        return new Database(engine, url, user, password, targetVersion, new HikariDataSource(config));
    }

    /**
     * Brings the schema to the target version once per process. A server that cannot be reached is a
     * {@link java.sql.SQLTransientConnectionException}, so callers treat it like any outage.
     */
    public void ensureMigrated() throws SQLException {
        if (migrated) {
            return;
        }
        synchronized (this) {
            if (migrated) {
                return;
            }
            var configuration = Flyway.configure()
                    .dataSource(engine == Engine.H2 ? withH2Mode(url) : url, user, password)
                    .locations("classpath:db/migration")
                    .connectRetries(0);
            if (targetVersion != null) {
                configuration.target(targetVersion);
            }
            try {
                configuration.load().migrate();
            } catch (FlywayException e) {
                if (SqlStates.isConnectionFailure(e)) {
                    throw new SQLTransientConnectionException(
                            "schema migration could not reach the database: " + e.getMessage(), e);
                }
                throw new SQLException("schema migration failed: " + e.getMessage(), e);
            }
            migrated = true;
        }
    }

    /** PostgreSQL compatibility mode, lower-case identifiers and commits written at once, unless the URL chose. */
    static String withH2Mode(String url) {
        String upper = url.toUpperCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(url);
        if (!upper.contains(";MODE=")) {
            out.append(";MODE=PostgreSQL");
        }
        if (!upper.contains(";DATABASE_TO_LOWER=")) {
            out.append(";DATABASE_TO_LOWER=TRUE");
        }
        if (!upper.contains(";DEFAULT_NULL_ORDERING=")) {
            out.append(";DEFAULT_NULL_ORDERING=HIGH");
        }
        if (!upper.contains(";WRITE_DELAY=")) {
            // H2 otherwise writes committed transactions up to half a second later: a killed process
            // would lose batches it had acknowledged.
            out.append(";WRITE_DELAY=0");
        }
        return out.toString();
    }

    public Engine engine() {
        return engine;
    }

    public String url() {
        return url;
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * Runs {@code work} in one transaction: committed if it returns, rolled back if it throws or if the call it serves
     * was revoked meanwhile ({@link CallCancellation}).
     */
    public <T> T inTransaction(SqlWork<T> work) throws SQLException {
        ensureMigrated();
        try (Connection connection = pool.getConnection()) {
            try {
                T result = work.run(connection);
                CallCancellation.checkBeforeCommit();
                connection.commit();
                if (engine == Engine.H2) {
                    writeOut(connection);
                }
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    /**
     * As {@link #inTransaction(SqlWork)}, but on PostgreSQL a server that does not answer within {@code timeoutMillis}
     * breaks the connection and fails the transaction as a connection failure, so a slow server is handled like a down
     * one. (Embedded H2 has no connection to wait on.)
     */
    public <T> T inTransaction(SqlWork<T> work, int timeoutMillis) throws SQLException {
        if (engine != Engine.POSTGRESQL) {
            return inTransaction(work);
        }
        ensureMigrated();
        try (Connection connection = pool.getConnection()) {
            connection.setNetworkTimeout(Runnable::run, timeoutMillis);
            try {
                T result = work.run(connection);
                CallCancellation.checkBeforeCommit();
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    /**
     * Makes an embedded H2 commit survive a kill of the process before it is answered. With {@code WRITE_DELAY=0} H2
     * writes the store at each commit, in the committing thread; but a commit that finds another thread's write under
     * way skips its own, and H2's write takes its maps one at a time while other transactions go on (h2database issue
     * 2080: what a write missed waits for the next one). Beside the ingestion's commits a JSON call's commit could so
     * return with its changes in memory only: an SLA edit answered OK was gone after the database manager was killed
     * (FaultToleranceSystemTest, under load). A {@code CHECKPOINT} after the commit writes the store again, or waits
     * for a write that began after this commit returned and therefore holds it; with nothing left to write it costs a
     * lock.
     */
    private static void writeOut(Connection connection) throws SQLException {
        try (Statement checkpoint = connection.createStatement()) {
            checkpoint.execute("CHECKPOINT");
        }
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
