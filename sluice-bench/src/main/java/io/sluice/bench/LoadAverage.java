package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load averages, printed next to results: the machine is shared, and ratios move with it. */
final class LoadAverage {
    private LoadAverage() {}

    /** The 1-minute load average, as the rows print it. */
    static String oneMinute() {
        return all().split(" ")[0];
    }

    /** /proc/loadavg as it reads, or "?" where there is none. */
    static String all() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
