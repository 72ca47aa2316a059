package io.sluice.db;

import java.nio.file.Path;

class H2MigrationTest extends MigrationContract {
    @Override
    TestDatabase create(Path dir) {
        return TestDatabase.h2(dir);
    }
}
