package io.sluice.db;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

@Tag("system")
class PostgresMinuteRowsTest extends MinuteRowsContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }
}
