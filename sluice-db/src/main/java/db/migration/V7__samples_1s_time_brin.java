package db.migration;

import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema V7, PostgreSQL only: the index on samples_1s (t) becomes a BRIN index. The rollups and
 * retention read and delete 1 s rows by time range, and rows arrive in time order, so a summary per
 * range of heap blocks finds them; a B-tree entry per sample made each ingested row cost a second
 * B-tree insertion besides (volume_id, t) (measured in docs/benchmarks.md, 2026-12-07). H2 has no
 * BRIN and keeps its B-tree: the migration does nothing there. Which index serves a query changes no
 * answer.
 */
public final class V7__samples_1s_time_brin extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        if (!c.getMetaData().getDatabaseProductName().equals("PostgreSQL")) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP INDEX samples_1s_t");
            s.execute("CREATE INDEX samples_1s_t ON samples_1s USING BRIN (t) WITH (pages_per_range = 32, autosummarize = on)");
        }
    }
}
