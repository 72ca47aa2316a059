package io.sluice.db;

import java.nio.file.Path;

class PostgresSummaryTest extends SummaryContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }
}
