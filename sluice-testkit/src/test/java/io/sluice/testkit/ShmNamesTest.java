package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShmNamesTest {
    @Test
    void namesAreUniqueAndSayWhoseTheyAre() {
        String first = ShmNames.unique("monitor");
        String second = ShmNames.unique("monitor");
        assertThat(first)
                .startsWith("sluice-test-monitor-" + ProcessHandle.current().pid() + "-")
                .isNotEqualTo(second);
        assertThat(ShmNames.file("services").getParent()).isEqualTo(ShmNames.DIRECTORY);
    }
}
