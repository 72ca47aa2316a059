package io.sluice.gateway;

import static io.sluice.gateway.nbd.NbdDescriptor.CMD_FLUSH;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_READ;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.LinkStatus;
import io.sluice.gateway.stats.ExportStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsFileWriterTest {
    private static final long US = 1000;

    @Test
    void writesEveryVolumeAsJsonWithLatencySummariesAndNoRawHistograms(@TempDir Path dir) throws Exception {
        ExportStats stats = new ExportStats();
        stats.admitted(CMD_READ);
        stats.admitted(CMD_READ);
        stats.completed(CMD_READ, 4096, 0, 100 * US, 300 * US);
        stats.admitted(CMD_FLUSH);
        stats.completed(CMD_FLUSH, 0, 0, 0, 50 * US);
        stats.throttled(CMD_READ, 7 * US);
        Path file = dir.resolve("stats.json");
        StatsFileWriter writer = new StatsFileWriter(
                file, () -> List.of(stats.snapshot("vol", 0, "ssd0", 3, 1 << 30, 1 << 20)), new ManualEpochClock(1234));

        writer.write();

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("time-millis").asLong()).isEqualTo(1234);
        JsonNode volume = json.get("volumes").get(0);
        assertThat(volume.get("name").asText()).isEqualTo("vol");
        assertThat(volume.get("backend").asText()).isEqualTo("ssd0");
        assertThat(volume.get("qos-version").asLong()).isEqualTo(3);
        assertThat(volume.get("capacity-bytes").asLong()).isEqualTo(1 << 30);
        assertThat(volume.get("used-bytes").asLong()).isEqualTo(1 << 20);
        JsonNode read = volume.get("read");
        assertThat(read.get("ops").asLong()).isEqualTo(1);
        assertThat(read.get("bytes").asLong()).isEqualTo(4096);
        assertThat(read.get("queue-depth").asInt()).isEqualTo(1);
        assertThat(read.get("peak-queue-depth").asInt()).isEqualTo(2);
        assertThat(read.get("throttled-nanos").asLong()).isEqualTo(7 * US);
        // Histograms keep two significant digits: within 1%.
        assertThat(read.get("total-latency").get("p50-micros").asLong()).isBetween(297L, 303L);
        assertThat(read.get("backend-latency").get("max-micros").asLong()).isBetween(198L, 202L);
        assertThat(read.has("total-histogram")).isFalse();
        JsonNode write = volume.get("write");
        assertThat(write.get("ops").asLong()).isEqualTo(1);
        assertThat(write.get("bytes").asLong()).isZero();
        assertThat(Files.list(dir)).containsExactly(file);
        assertThat(json.has("monitor-link")).as("standalone: no link").isFalse();
    }

    @Test
    void aLinkedGatewayAddsTheMonitorLinkState(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stats.json");
        LinkStatus status = new LinkStatus(
                LinkState.BACKING_OFF,
                2,
                3,
                40,
                5,
                6,
                7,
                0,
                "monitor closed the connection",
                "sla-b.example:7400",
                1,
                6,
                2);
        new StatsFileWriter(file, List::of, new ManualEpochClock(1), () -> status).write();
        JsonNode link = new ObjectMapper().readTree(file.toFile()).get("monitor-link");
        assertThat(link.get("state").asText()).isEqualTo("BACKING_OFF");
        assertThat(link.get("sessions").asLong()).isEqualTo(2);
        assertThat(link.get("reports-sent").asLong()).isEqualTo(40);
        assertThat(link.get("throttle-sets-acked").asLong()).isEqualTo(5);
        assertThat(link.get("last-error").asText()).isEqualTo("monitor closed the connection");
        assertThat(link.get("monitor").asText()).isEqualTo("sla-b.example:7400");
        assertThat(link.get("epoch").asLong()).isEqualTo(6);
        assertThat(link.get("stale-epoch-refusals").asLong()).isEqualTo(2);
        assertThat(link.get("standby-referrals").asLong()).isEqualTo(1);
    }
}
