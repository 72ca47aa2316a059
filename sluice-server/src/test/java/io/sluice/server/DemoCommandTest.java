package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void volumesOutOfRangeIsAUsageErrorBeforeAnythingStarts() {
        for (String volumes : new String[] {"1", "4001"}) {
            CommandRun run = CommandRun.sluice("demo", "--volumes", volumes);
            assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).contains("--volumes must be 2..4000");
        }
    }
}
