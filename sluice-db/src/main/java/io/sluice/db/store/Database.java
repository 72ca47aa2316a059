package io.sluice.db.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The connection pool and the schema: migrates to the latest version on open, then lends
 * connections for transactions. Both engines get the same SQL; H2 runs in PostgreSQL mode.
 */
public final class Database implements AutoCloseable {
    private final Engine engine;
    private final String url;
    private final HikariDataSource pool;

    private Database(Engine engine, String url, HikariDataSource pool) {
        this.engine = engine;
        this.url = url;
        this.pool = pool;
    }

    /**
     * Opens the pool and migrates. {@code connectTimeoutMillis} bounds how long a caller waits for a
     * connection when the server is down, so the ingestion thread falls back to its journal quickly.
     */
    public static Database open(String url, String user, String password, int poolSize, long connectTimeoutMillis) {
        return open(url, user, password, poolSize, connectTimeoutMillis, null);
    }

    /** As {@link #open(String, String, String, int, long)}, migrating only up to {@code targetVersion} (tests). */
    public static Database open(String url, String user, String password, int poolSize, long connectTimeoutMillis,
                                String targetVersion) {
        Engine engine = Engine.of(url);
        migrate(url, user, password, targetVersion);
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
        // Start without a connection: the manager must come up (and journal) while the server is down.
        config.setInitializationFailTimeout(-1);
        if (engine == Engine.POSTGRESQL) {
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
        }
        return new Database(engine, url, new HikariDataSource(config));
    }

    /** Brings the schema to {@code targetVersion} (null: latest). Fails if the server is unreachable. */
    public static void migrate(String url, String user, String password, String targetVersion) {
        var configuration = Flyway.configure()
                .dataSource(Engine.of(url) == Engine.H2 ? withH2Mode(url) : url, user, password)
                .locations("classpath:db/migration")
                .connectRetries(0);
        if (targetVersion != null) {
            configuration.target(targetVersion);
        }
        configuration.load().migrate();
    }

    /** PostgreSQL compatibility mode, lower-case identifiers and commits written at once, unless the URL chose. */
    static String withH2Mode(String url) {
        String upper = url.toUpperCase(java.util.Locale.ROOT);
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

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(SqlWork<T> work) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
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
