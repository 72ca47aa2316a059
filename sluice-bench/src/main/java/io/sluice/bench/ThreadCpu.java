package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The CPU time of each thread of a process, by thread name, from {@code /proc/<pid>/task/<tid>/stat} (Linux, in clock
 * ticks of 10 ms): where a benchmark's time went, thread by thread. Threads of one name (GC workers) are summed; a
 * thread that ended between two reads is lost, which is why the benchmark reads around a stretch of steady work.
 */
final class ThreadCpu {
    /** {@code sysconf(_SC_CLK_TCK)} on Linux/x86-64 and arm64. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ThreadCpu() {}

    /** Nanoseconds of CPU (user and system) per thread name of process {@code pid}; empty when /proc cannot say. */
    static Map<String, Long> read(long pid) {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close);
                // After the name: state (field 3), ... utime (field 14) and stime (field 15).
                String[] fields = stat.substring(close + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                byName.merge(name, ticks * NANOS_PER_TICK, Long::sum);
            }
        } catch (IOException e) {
            return Map.of();
        }
        return byName;
    }

    /**
     * The threads' CPU between two reads, in milliseconds per {@code per} (e.g. per sweep), busiest first, those under
     * {@code floorMs} left out: "name 12.3, name 4.5".
     */
    static String delta(Map<String, Long> before, Map<String, Long> after, int per, double floorMs) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e6 / per))
                .filter(e -> e.getValue() >= floorMs)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** The sum of all threads' CPU between two reads, in nanoseconds. */
    static long total(Map<String, Long> before, Map<String, Long> after) {
        long sum = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }
}
