package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.db.store.Database;
import io.sluice.db.store.SqlStates;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A pooled connection whose server takes no writes any more (as an old primary come back as a standby) is dropped by
 * the pool, not lent again: made read-only here by the session itself, on the machine's PostgreSQL, with a pool of one
 * so that without the eviction the next write would get the same connection and fail again.
 */
@Tag("system")
class DemotedServerEvictionTest {
    @Test
    void aWriteRefusedAsReadOnlyCountsAsAnOutageAndTheNextWriteGetsAFreshConnection() throws Exception {
        try (TestDatabase test = TestDatabase.postgres();
                Database database = Database.open(test.url(), test.user(), test.password(), 1, 5_000)) {
            database.inTransaction(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE eviction_probe (n INT)");
                    s.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
                }
                return null;
            });
            SQLException refused = catchThrowableOfType(SQLException.class, () -> insert(database));
            assertThat(refused.getSQLState()).isEqualTo("25006");
            assertThat(SqlStates.isConnectionFailure(refused))
                    .as("the manager journals, as for any outage")
                    .isTrue();

            insert(database);
            int rows = database.inTransaction(c -> {
                try (Statement s = c.createStatement();
                        var r = s.executeQuery("SELECT COUNT(*) FROM eviction_probe")) {
                    r.next();
                    return r.getInt(1);
                }
            });
            assertThat(rows).isEqualTo(1);
        }
    }

    private static void insert(Database database) throws SQLException {
        database.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("INSERT INTO eviction_probe VALUES (1)");
            }
        });
    }
}
