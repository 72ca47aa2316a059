package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import io.sluice.db.store.ReplicationCheck;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up warning for a failover pair that commits without a synchronous standby (PatroniFailoverTest has one that
 * does).
 */
@Tag("system")
class ReplicationCheckTest {
    @TempDir
    Path dir;

    @Test
    void aMultiHostUrlToAPostgresqlWithoutASynchronousStandbyIsWarnedAbout() throws Exception {
        try (TestDatabase test = TestDatabase.postgres()) {
            // The machine's one server named twice: to the check, a pair whose commits wait for nobody.
            String pair = test.url()
                    .replace(
                            TestDatabase.PG_HOST + ":" + TestDatabase.PG_PORT,
                            TestDatabase.PG_HOST + ":" + TestDatabase.PG_PORT + "," + TestDatabase.PG_HOST + ":"
                                    + TestDatabase.PG_PORT);
            try (Database database = Database.open(pair, test.user(), test.password(), 1, 5_000)) {
                assertThat(ReplicationCheck.failoverRisk(database))
                        .contains("synchronous_standby_names ''")
                        .contains("synchronous_mode: true");
            }
        }
    }

    @Test
    void oneServerOrTheEmbeddedDatabaseHasNoFailoverToWarnAbout() throws Exception {
        try (TestDatabase test = TestDatabase.postgres();
                Database single = Database.open(test.url(), test.user(), test.password(), 1, 5_000)) {
            assertThat(ReplicationCheck.failoverRisk(single)).isNull();
        }
        TestDatabase h2 = TestDatabase.h2(dir);
        try (Database embedded = Database.open(h2.url(), h2.user(), h2.password(), 1, 5_000)) {
            assertThat(ReplicationCheck.failoverRisk(embedded)).isNull();
        }
    }
}
