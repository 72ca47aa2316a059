package io.sluice.db.store;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/** SQLSTATE classes the repositories act on, the same on both engines. */
public final class SqlStates {
    private SqlStates() {}

    public static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /**
     * Whether the failure says the server is unreachable or the connection broke (class 08, the pool's connection
     * timeout, an admin shutdown), or that the server takes no writes now (25006: a standby, as an old primary is after
     * a failover), as opposed to a problem with the statement.
     */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s
                    && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08")
                            || s.getSQLState().startsWith("57P")
                            || s.getSQLState().equals(DemotedServerEviction.READ_ONLY_TRANSACTION))) {
                return true;
            }
        }
        return false;
    }
}
