package db.migration;

import io.sluice.db.store.VolumeHours;
import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Schema V6: {@code volume_hours}, per volume and hour the totals {@code samples.summary} reads for whole hours (see
 * {@link VolumeHours} for why one BIGINT key and a binary histogram), filled from the rollups already stored. In Java
 * rather than SQL because the histogram column is written the same way on both engines only by the code that reads it.
 */
public final class V6__volume_hours extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE volume_hours (k BIGINT PRIMARY KEY, volume_id INT NOT NULL, t BIGINT NOT NULL,"
                    + " ops BIGINT NOT NULL, bytes BIGINT NOT NULL, minutes BIGINT NOT NULL, latency BYTEA NOT NULL)");
            s.execute("CREATE INDEX volume_hours_volume_t ON volume_hours (volume_id, t)");
        }
        VolumeHours.fill(c);
    }
}
