package io.sluice.bench.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What control-real reads from the gateways' stats files: the control plane is ready only once both gateways are in
 * session and have reported (and, under Sluice, bronze has a set in force), and bronze's sets are placed relative to
 * the flood by the version the server gave them.
 */
class TimelineTest {
    @TempDir
    Path dir;

    @Test
    void readyNeedsBothGatewaysReportingAndUnderSluiceBronzesFirstSet() throws IOException {
        Path gold = dir.resolve("gold.json");
        Path bronze = dir.resolve("bronze.json");
        Timeline timeline = new Timeline(gold, bronze);
        assertThat(timeline.ready(false)).as("no stats files yet").isFalse();

        write(gold, 1_000, "IN_SESSION", 1, 0);
        write(bronze, 1_000, "CONNECTING", 0, 0);
        assertThat(timeline.ready(false)).as("bronze's gateway not in session").isFalse();
        write(bronze, 2_000, "IN_SESSION", 0, 0);
        assertThat(timeline.ready(false)).as("in session, nothing reported yet").isFalse();
        write(bronze, 3_000, "IN_SESSION", 1, 0);
        assertThat(timeline.ready(false))
                .as("both reporting: enough without the services")
                .isTrue();
        assertThat(timeline.ready(true))
                .as("under Sluice bronze needs its first set")
                .isFalse();
        write(bronze, 4_000, "IN_SESSION", 2, 3_500);
        assertThat(timeline.ready(true)).isTrue();
    }

    @Test
    void bronzesSetsArePlacedFromTheFloodsStartByTheirVersions() throws IOException {
        Path gold = dir.resolve("gold.json");
        Path bronze = dir.resolve("bronze.json");
        Timeline timeline = new Timeline(gold, bronze);
        write(gold, 1_000, "IN_SESSION", 1, 0);
        long now = System.currentTimeMillis();
        write(bronze, now - 5_000, "IN_SESSION", 1, now - 6_000);
        assertThat(timeline.ready(true)).isTrue();
        timeline.floodStarts();
        long flood = System.currentTimeMillis();
        write(bronze, flood + 1_900, "IN_SESSION", 3, flood + 1_700);
        timeline.watch();
        write(bronze, flood + 2_900, "IN_SESSION", 4, flood + 2_700);
        timeline.watch();

        assertThat(timeline.firstSetInForceSeconds()).isCloseTo(1.9, within(0.11));
        assertThat(timeline.summary())
                .contains("bronze's set at the flood's start: made at -6.")
                .contains("+1.9 / +1.7, +2.9 / +2.7");
    }

    private static void write(Path file, long timeMillis, String state, int reportsSent, long qosVersion)
            throws IOException {
        Files.writeString(file, """
                {"time-millis": %d, "volumes": [{"name": "v", "id": 0, "qos-version": %d}],
                 "monitor-link": {"state": "%s", "reports-sent": %d}}
                """.formatted(timeMillis, qosVersion, state, reportsSent));
    }
}
