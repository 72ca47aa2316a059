package io.sluice.db;

import java.nio.file.Path;

class PostgresMigrationTest extends MigrationContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }
}
