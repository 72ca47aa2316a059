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
        Timeline timeline = new Timeline(gold, bronze, "the roles started");
        assertThat(timeline.ready(Timeline.NO_SET, false))
                .as("no stats files yet")
                .isFalse();

        write(gold, 1_000, "IN_SESSION", 1, 0);
        write(bronze, 1_000, "CONNECTING", 0, 0);
        assertThat(timeline.ready(Timeline.NO_SET, false))
                .as("bronze's gateway not in session")
                .isFalse();
        write(bronze, 2_000, "IN_SESSION", 0, 0);
        assertThat(timeline.ready(Timeline.NO_SET, false))
                .as("in session, nothing reported yet")
                .isFalse();
        write(bronze, 3_000, "IN_SESSION", 1, 0);
        assertThat(timeline.ready(Timeline.NO_SET, false))
                .as("both reporting: enough without the services")
                .isTrue();
        assertThat(timeline.ready(0, false))
                .as("under Sluice bronze needs its first set")
                .isFalse();
        write(bronze, 4_000, "IN_SESSION", 2, 3_500);
        assertThat(timeline.ready(0, false)).isTrue();
    }

    @Test
    void aRegimeOnTheSameTopologyWaitsForBothVolumesSetsMadeAfterItsThrottles() throws IOException {
        Path gold = dir.resolve("gold.json");
        Path bronze = dir.resolve("bronze.json");
        write(gold, 10_000, "IN_SESSION", 9, 8_000);
        write(bronze, 10_000, "IN_SESSION", 9, 9_000);
        Timeline timeline = new Timeline(gold, bronze, "the throttles were set");
        assertThat(timeline.ready(9_500, true)).as("both sets made before").isFalse();
        write(bronze, 11_000, "IN_SESSION", 10, 10_600);
        assertThat(timeline.ready(9_500, true))
                .as("gold's set still the old one")
                .isFalse();
        assertThat(timeline.ready(9_500, false)).as("bronze's alone would do").isTrue();
        write(gold, 11_000, "IN_SESSION", 10, 10_600);
        assertThat(timeline.ready(9_500, true)).isTrue();

        write(gold, 12_000, "IN_SESSION", 11, 0);
        Timeline noGoldSet = new Timeline(gold, bronze, "the throttles were set");
        assertThat(noGoldSet.ready(10_500, true))
                .as("gold had no set in force to replace")
                .isTrue();
    }

    @Test
    void bronzesSetsArePlacedFromTheFloodsStartByTheirVersions() throws IOException {
        Path gold = dir.resolve("gold.json");
        Path bronze = dir.resolve("bronze.json");
        Timeline timeline = new Timeline(gold, bronze, "the roles started");
        write(gold, 1_000, "IN_SESSION", 1, 0);
        long now = System.currentTimeMillis();
        write(bronze, now - 5_000, "IN_SESSION", 1, now - 6_000);
        assertThat(timeline.ready(0, false)).isTrue();
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
