package io.sluice.bench.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * When a control-real regime's control plane was ready and when bronze's throttle sets took effect, read from the
 * gateways' stats files ({@code --stats-file}: the monitor link's state and reports sent, and each volume's
 * {@code qos-version}, which is the time in epoch milliseconds of the analyzer interval that made the set in force). A
 * set is seen when the gateway next rewrites its file, once a second, so "in force by" is within a second of when it
 * took effect. Single-threaded: the benchmark's driving thread polls it.
 */
final class Timeline {
    /** Sets taken into account after the flood's start: enough to show the reaction and its first corrections. */
    private static final int SETS_SHOWN = 4;

    /** For {@link #ready}: no throttle set needed. */
    static final long NO_SET = -1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path goldStats;
    private final Path bronzeStats;
    /**
     * When the regime began: for the first, when the supervisor had started every role (each gateway listening, not yet
     * necessarily in session); for the next ones on the same topology, when their throttles were set.
     */
    private final long startedAtMillis = System.currentTimeMillis();
    /** What {@link #startedAtMillis} was, for {@link #summary}. */
    private final String started;

    private long readyAtMillis;
    private long floodAtMillis;
    private long bronzeVersion;
    /** Bronze's sets seen taking effect: {seen at (the gateway's file time), made at (the set's version)}, epoch ms. */
    private final List<long[]> bronzeSets = new ArrayList<>();

    /** Gold's set in force when the regime began (0: none, so none to replace). */
    private final long goldVersionAtStart;

    /** Made when the regime begins, {@code started} saying what began it ("the roles started"). */
    Timeline(Path goldStats, Path bronzeStats, String started) {
        this.goldStats = goldStats;
        this.bronzeStats = bronzeStats;
        this.started = started;
        this.goldVersionAtStart = version(read(goldStats));
    }

    /**
     * True once both gateways are in session with the monitor and have reported, and bronze (with {@code goldToo}, gold
     * as well) has a throttle set in force made after {@code setsMadeAfter} (epoch ms; {@link #NO_SET} for none
     * needed); records the moment the first time. Gold's set is waited for only if gold had one in force when the
     * regime began: a gateway with none (gold's refuses sets that carry its latency target) has nothing to replace.
     */
    boolean ready(long setsMadeAfter, boolean goldToo) {
        JsonNode gold = read(goldStats);
        JsonNode bronze = read(bronzeStats);
        watch(bronze);
        boolean setsInForce = setsMadeAfter == NO_SET
                || bronzeVersion > setsMadeAfter
                        && (!goldToo || goldVersionAtStart == 0 || version(gold) > setsMadeAfter);
        boolean ready = reporting(gold) && reporting(bronze) && setsInForce;
        if (ready && readyAtMillis == 0) {
            readyAtMillis = System.currentTimeMillis();
        }
        return ready;
    }

    /** What the wait for the control plane saw last, for an error message. */
    String state() {
        return "gold " + (reporting(read(goldStats)) ? "reporting" : "not reporting") + ", bronze "
                + (reporting(read(bronzeStats)) ? "reporting" : "not reporting") + ", bronze's set version "
                + bronzeVersion + ", gold's " + version(read(goldStats));
    }

    void floodStarts() {
        floodAtMillis = System.currentTimeMillis();
    }

    /** Notes a new set in force at bronze's gateway, if there is one. */
    void watch() {
        watch(read(bronzeStats));
    }

    private void watch(JsonNode bronze) {
        long version = version(bronze);
        if (version != 0 && version != bronzeVersion) {
            bronzeVersion = version;
            bronzeSets.add(new long[] {bronze.path("time-millis").asLong(), version});
        }
    }

    /**
     * One line: how long the control plane took to be ready after the roles started and how long before the flood, the
     * set in force when the flood started, and the first sets after it, each as when it was in force by and when the
     * server made it, in seconds from the flood's start.
     */
    String summary() {
        long[] before = null;
        List<long[]> after = new ArrayList<>();
        for (long[] set : bronzeSets) {
            if (set[1] <= floodAtMillis) {
                before = set;
            } else if (after.size() < SETS_SHOWN) {
                after.add(set);
            }
        }
        return String.format(
                Locale.ROOT,
                "control plane ready %.1f s after %s, %.1f s before the flood; bronze's set at the flood's start: %s; "
                        + "sets after it (in force by / made at, s from the flood's start): %s",
                (readyAtMillis - startedAtMillis) / 1000.0,
                started,
                (floodAtMillis - readyAtMillis) / 1000.0,
                before == null ? "none" : "made at " + seconds(before[1]),
                after.isEmpty()
                        ? "none"
                        : after.stream()
                                .map(s -> seconds(s[0]) + " / " + seconds(s[1]))
                                .collect(Collectors.joining(", ")));
    }

    /** The first set made after the flood started, in force by this many seconds from its start; NaN without one. */
    double firstSetInForceSeconds() {
        for (long[] set : bronzeSets) {
            if (set[1] > floodAtMillis) {
                return (set[0] - floodAtMillis) / 1000.0;
            }
        }
        return Double.NaN;
    }

    private String seconds(long epochMillis) {
        return String.format(Locale.ROOT, "%+.1f", (epochMillis - floodAtMillis) / 1000.0);
    }

    /** The version of the set in force on the gateway's one volume (0 for none, or no file yet). */
    private static long version(JsonNode stats) {
        return stats == null
                ? 0
                : stats.path("volumes").path(0).path("qos-version").asLong();
    }

    private static boolean reporting(JsonNode stats) {
        JsonNode link = stats == null ? null : stats.get("monitor-link");
        return link != null
                && "IN_SESSION".equals(link.path("state").asText())
                && link.path("reports-sent").asLong() > 0;
    }

    /** The file's contents, or null while the gateway has not written it yet (it is replaced whole, by a rename). */
    private static JsonNode read(Path file) {
        try {
            return Files.exists(file) ? JSON.readTree(file.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
