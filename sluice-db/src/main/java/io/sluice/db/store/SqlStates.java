package io.sluice.db.store;

import java.sql.SQLException;

/** SQLSTATE classes the repositories act on, the same on both engines. */
public final class SqlStates {
    private SqlStates() {
    }

    public static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /**
     * Whether the failure says the server is unreachable or the connection broke (class 08, the
     * pool's connection timeout, an admin shutdown), as opposed to a problem with the statement.
     */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
