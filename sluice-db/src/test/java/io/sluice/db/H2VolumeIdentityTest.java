package io.sluice.db;

import java.nio.file.Path;

class H2VolumeIdentityTest extends VolumeIdentityContract {
    @Override
    TestDatabase create(Path dir) {
        return TestDatabase.h2(dir);
    }
}
