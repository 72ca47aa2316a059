package io.sluice.db;

import java.nio.file.Path;

class PostgresUpsertRaceTest extends UpsertRaceContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }
}
