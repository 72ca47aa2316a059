package io.sluice.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's status line, built from the services' live view a page at a time: gold and bronze in full (what the demo
 * explains), every other volume only counted by state and summed, so the line stays one line with thousands of volumes.
 */
final class DemoSummary {
    private final StringBuilder featured = new StringBuilder();
    private final Map<String, Integer> others = new TreeMap<>();
    private int otherCount;
    private long otherIops;

    void add(JsonNode volume) {
        int id = volume.path("volumeId").asInt();
        if (id == 1 || id == DemoPlan.BRONZE_VOLUME_ID) {
            featured.append(String.format(
                    "%s %,d IOPS p99 %.1f ms%s limit %s %s   ",
                    volume.path("sla").asText("-"),
                    volume.path("iops").asLong(),
                    volume.path("latencyP99Micros").asLong() / 1000.0,
                    volume.path("latencyTargetMicros").asLong() > 0
                            ? String.format(
                                    " (objective %.0f ms)",
                                    volume.path("latencyTargetMicros").asLong() / 1000.0)
                            : "",
                    volume.path("iopsLimit").asLong() > 0
                            ? String.format("%,d", volume.path("iopsLimit").asLong())
                            : "none",
                    volume.path("state").asText()));
            return;
        }
        otherCount++;
        others.merge(volume.path("state").asText(), 1, Integer::sum);
        otherIops += volume.path("iops").asLong();
    }

    String line() {
        if (featured.isEmpty() && otherCount == 0) {
            return "waiting for the first statistics";
        }
        StringBuilder line = new StringBuilder(featured);
        if (otherCount > 0) {
            line.append(String.format("| %,d more volumes, %,d IOPS:", otherCount, otherIops));
            others.forEach((state, count) -> line.append(String.format(" %s %,d", state, count)));
        }
        return line.toString().strip();
    }
}
