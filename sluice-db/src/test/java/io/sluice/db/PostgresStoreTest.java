package io.sluice.db;

import java.nio.file.Path;

class PostgresStoreTest extends StoreContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }
}
