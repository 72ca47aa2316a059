package io.sluice.db.lease;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A keeper's real connections to the test's PostgreSQL, which the test can cut as a partition would: the server ends
 * the open connection's backend, and new ones go to a port nothing listens on (a real refused connection) until
 * {@link #heal}.
 */
final class CuttableConnections implements LeaseConnections {
    private final LeaseConnections database;
    private final LeaseConnections nowhere;
    private final Connection admin;
    private volatile boolean cut;
    private volatile int backendPid;

    CuttableConnections(String url, String user, String password, LeaseSettings settings, Connection admin) {
        this.database = LeaseConnections.postgres(url, user, password, settings);
        this.nowhere = LeaseConnections.postgres("jdbc:postgresql://127.0.0.1:1/nowhere", user, password, settings);
        this.admin = admin;
    }

    @Override
    public Connection open() throws SQLException {
        if (cut) {
            return nowhere.open();
        }
        Connection c = database.open();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
            r.next();
            backendPid = r.getInt(1);
        }
        return c;
    }

    /** Ends the keeper's backend on the server (waiting until it has gone) and refuses new connections. */
    void cut() throws SQLException {
        cut = true;
        if (backendPid != 0) {
            try (Statement s = admin.createStatement()) {
                s.execute("SELECT pg_terminate_backend(" + backendPid + ", 60000)");
            }
            backendPid = 0;
        }
    }

    void heal() {
        cut = false;
    }
}
