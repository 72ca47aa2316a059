package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void volumesOutOfRangeIsAUsageErrorBeforeAnythingStarts() {
        for (String volumes : new String[] {"1", "4001"}) {
            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                assertThat(SluiceMain.run("demo", "--volumes", volumes)).isEqualTo(ExitCode.USAGE);
            } finally {
                System.setErr(err);
            }
            assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--volumes must be 2..4000");
        }
    }
}
