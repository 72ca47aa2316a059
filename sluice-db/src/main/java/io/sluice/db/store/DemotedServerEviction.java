package io.sluice.db.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Drops a pooled connection whose server turned read-only: after a failover the old primary may come back as a standby
 * (or be fenced read-only) and keep its connections, which the pool would otherwise go on lending, every write on them
 * failing with SQLSTATE 25006. Evicted, the connection is made again from the multi-host URL, whose
 * {@code targetServerType=primary} finds the new primary. Every other failure keeps the pool's own judgement.
 */
public final class DemotedServerEviction implements SQLExceptionOverride {
    /** {@code read_only_sql_transaction}: a write on a server that is not (or no longer) the primary. */
    static final String READ_ONLY_TRANSACTION = "25006";

    // Spelled out: inside this class "Override" is the interface's verdict type.
    @java.lang.Override
    public Override adjudicate(SQLException e) {
        return READ_ONLY_TRANSACTION.equals(e.getSQLState()) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
    }
}
