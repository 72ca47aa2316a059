package io.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ExitCode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code sluice gateway stats --stats-file F [--json]}: a running gateway's per-volume statistics, as a table. */
final class GatewayStats {
    private GatewayStats() {}

    static int run(PrintStream out, PrintStream err, String... args) {
        Path file = null;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--stats-file" -> file = i + 1 < args.length ? Path.of(args[++i]) : null;
                default -> {
                    if (args[i].startsWith("--stats-file=")) {
                        file = Path.of(args[i].substring("--stats-file=".length()));
                    } else {
                        err.println(
                                "usage: sluice gateway stats --stats-file FILE [--json]  (the file the gateway writes with --stats-file)");
                        return ExitCode.USAGE;
                    }
                }
            }
        }
        if (file == null) {
            err.println("usage: sluice gateway stats --stats-file FILE [--json]");
            return ExitCode.USAGE;
        }
        JsonNode stats;
        try {
            stats = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            err.println("sluice gateway stats: no " + file + " (is a gateway running with --stats-file " + file + "?)");
            return ExitCode.FAILURE;
        } catch (IOException e) {
            err.println("sluice gateway stats: cannot read " + file + ": " + e.getMessage());
            return ExitCode.BAD_FILE;
        }
        if (json) {
            out.println(stats.toPrettyString());
            return ExitCode.OK;
        }
        out.printf(
                "%-16s %4s %-5s %12s %12s %6s %6s %12s %10s %10s %10s%n",
                "volume", "id", "dir", "ops", "bytes", "qd", "peak", "throttled ms", "p50 us", "p99 us", "backend p99");
        for (JsonNode volume : stats.path("volumes")) {
            for (String direction : new String[] {"read", "write"}) {
                JsonNode d = volume.path(direction);
                out.printf(
                        "%-16s %4d %-5s %12d %12d %6d %6d %12d %10d %10d %10d%n",
                        volume.path("name").asText(),
                        volume.path("id").asInt(),
                        direction,
                        d.path("ops").asLong(),
                        d.path("bytes").asLong(),
                        d.path("queue-depth").asInt(),
                        d.path("peak-queue-depth").asInt(),
                        d.path("throttled-nanos").asLong() / 1_000_000,
                        d.path("total-latency").path("p50-micros").asLong(),
                        d.path("total-latency").path("p99-micros").asLong(),
                        d.path("backend-latency").path("p99-micros").asLong());
            }
        }
        JsonNode link = stats.path("monitor-link");
        if (!link.isMissingNode()) {
            out.println("monitor link: " + link);
        }
        return ExitCode.OK;
    }
}
