package io.sluice.db.lease;

import io.sluice.db.store.Engine;
import io.sluice.db.store.JdbcUrls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens the keeper's own connection. Not the pool's: a renewal must not wait behind ingestion or a slow query for a
 * pooled connection, and its timeouts are the lease's, not the pool's.
 */
@FunctionalInterface
public interface LeaseConnections {
    Connection open() throws SQLException;

    /**
     * Connections to PostgreSQL (the URL the database manager uses, TLS settings included) whose connect and every
     * statement give up within the safety margin, so a hung network cannot hold a renewal past the moment the holder
     * stops acting anyway. H2 is refused: an embedded database cannot be shared by two hosts.
     */
    static LeaseConnections postgres(String url, String user, String password, LeaseSettings settings) {
        if (Engine.of(url) != Engine.POSTGRESQL) {
            throw new IllegalArgumentException(
                    "high availability needs PostgreSQL; " + JdbcUrls.redact(url) + " is not shared by hosts");
        }
        long timeoutMillis = settings.safetyMarginMillis();
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        String seconds = Long.toString(Math.max(1, timeoutMillis / 1_000));
        properties.setProperty("connectTimeout", seconds);
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("ApplicationName", "sluice-lease");
        return () -> {
            Connection connection = DriverManager.getConnection(url, properties);
            try {
                connection.setAutoCommit(true);
                connection.setNetworkTimeout(Runnable::run, (int) timeoutMillis);
                return connection;
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
        };
    }
}
