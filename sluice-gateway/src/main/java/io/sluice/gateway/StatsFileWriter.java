package io.sluice.gateway;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.common.EpochClock;
import io.sluice.gateway.link.LinkStatus;
import io.sluice.gateway.stats.VolumeStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;

/**
 * Rewrites {@code --stats-file} with a JSON snapshot of every volume, once per tick. A file rather than a signal (not
 * portable) or a port (one more thing to secure): any tool can read it, and it is replaced by an atomic rename, so a
 * reader never sees half of one. Layout: {@code {"time-millis": N, "volumes": [{"name", "id", "backend", "qos-version",
 * "capacity-bytes", "used-bytes", "won-by-weight", "won-by-reservation", "read": {...}, "write": {...}}]}}, each
 * direction with {@code ops}, {@code bytes}, {@code queue-depth}, {@code peak-queue-depth}, {@code throttled-nanos},
 * and {@code total-latency} and {@code backend-latency} as count, mean and percentiles in microseconds. With a monitor
 * configured, {@code "monitor-link"} adds the link's {@link LinkStatus} (state, sessions, reports sent, throttle sets
 * acknowledged, last error, ...).
 */
final class StatsFileWriter {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Path temporary;
    private final Supplier<List<VolumeStats>> stats;
    private final EpochClock clock;
    private final Supplier<LinkStatus> link;

    StatsFileWriter(Path file, Supplier<List<VolumeStats>> stats, EpochClock clock) {
        this(file, stats, clock, () -> null);
    }

    StatsFileWriter(Path file, Supplier<List<VolumeStats>> stats, EpochClock clock, Supplier<LinkStatus> link) {
        this.file = file.toAbsolutePath();
        this.temporary = this.file.resolveSibling(this.file.getFileName() + ".tmp");
        this.stats = stats;
        this.clock = clock;
        this.link = link;
    }

    record Contents(
            long timeMillis,
            List<VolumeStats> volumes,
            @JsonInclude(JsonInclude.Include.NON_NULL) LinkStatus monitorLink) {}

    void write() throws IOException {
        JSON.writeValue(temporary.toFile(), new Contents(clock.epochMillis(), stats.get(), link.get()));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
