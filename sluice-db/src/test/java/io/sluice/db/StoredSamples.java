package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Checks the nothing-lost promise in the database: every acknowledged batch stored, none twice. */
final class StoredSamples {
    private StoredSamples() {}

    static void assertEveryAcknowledgedBatchStoredOnce(Database database, BatchSender sender, Set<Long> acknowledged)
            throws Exception {
        Map<Long, Long> rowsPerSecond = database.inTransaction(c -> {
            Map<Long, Long> rows = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT t, COUNT(*) FROM samples_1s GROUP BY t");
                    ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.put(r.getLong(1), r.getLong(2));
                }
            }
            return rows;
        });
        assertThat(acknowledged).isNotEmpty();
        for (long id : acknowledged) {
            assertThat(rowsPerSecond.get(sender.millisOf(id)))
                    .as("rows of acknowledged batch %d", id)
                    .isEqualTo(BatchSender.SAMPLES_PER_BATCH);
        }
        assertThat(rowsPerSecond.values())
                .as("no batch stored twice")
                .allMatch(n -> n == BatchSender.SAMPLES_PER_BATCH);
    }
}
