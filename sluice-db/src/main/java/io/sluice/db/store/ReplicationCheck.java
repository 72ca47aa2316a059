package io.sluice.db.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether a failover of the PostgreSQL the manager writes to can lose what it acknowledged. With asynchronous
 * replication a commit returns before any standby has it, so a standby promoted after the primary dies lacks the last
 * commits, samples the manager acknowledged among them (seen in PatroniFailoverTest with Patroni's synchronous_mode
 * off). A URL naming several hosts says the operator runs a failover pair; this says when that pair does not make
 * commits wait for a standby.
 */
public final class ReplicationCheck {
    private ReplicationCheck() {}

    /** A warning for the log when a multi-host PostgreSQL commits without a synchronous standby, else null. */
    public static String failoverRisk(Database database) throws SQLException {
        if (database.engine() != Engine.POSTGRESQL
                || JdbcUrls.hosts(database.url()).size() < 2) {
            return null;
        }
        return database.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                            "SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit')");
                    ResultSet r = s.executeQuery()) {
                r.next();
                String standbys = r.getString(1);
                String commit = r.getString(2);
                if (standbys.isBlank() || commit.equals("off") || commit.equals("local")) {
                    return "PostgreSQL commits without waiting for a standby (synchronous_standby_names '" + standbys
                            + "', synchronous_commit " + commit
                            + "): a failover to a standby can lose the last samples "
                            + "this manager acknowledged. Run the pair with synchronous replication (Patroni: "
                            + "synchronous_mode: true); see docs/operations.md";
                }
                return null;
            }
        });
    }
}
