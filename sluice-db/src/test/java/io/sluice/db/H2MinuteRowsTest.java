package io.sluice.db;

import java.nio.file.Path;

class H2MinuteRowsTest extends MinuteRowsContract {
    @Override
    TestDatabase create(Path dir) {
        return TestDatabase.h2(dir);
    }
}
