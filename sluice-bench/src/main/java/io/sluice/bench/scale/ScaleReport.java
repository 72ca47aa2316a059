package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.sim.SimSnapshot;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code sluice bench scale}'s report: its lines, and its last line, the JSON summary. */
final class ScaleReport {
    private ScaleReport() {}

    static Map<String, Object> report(
            ScaleBenchmark options,
            ServerUnderTest server,
            int g,
            int volumes,
            double startSeconds,
            double showSeconds,
            ScaleSnapshot before,
            ScaleSnapshot after,
            RowProbe probe,
            HoleCheck holes,
            JsonNode sets,
            long[] monitorEnd,
            JsonNode dbEnd,
            JsonNode servicesEnd,
            String loadAvg,
            SimSnapshot manyEnd,
            SimSnapshot bigEnd) {
        double secondsMeasured = (after.nanos() - before.nanos()) / 1e9;
        double storedPerSecond = (after.storedSamples() - before.storedSamples()) / secondsMeasured;
        double offeredPerSecond =
                (double) volumes * ScaleBenchmark.SAMPLES_PER_REPORT * 1_000 / ScaleBenchmark.POLL_MILLIS;
        long[] mid = probe.midMillis();
        long[] upper = probe.upperMillis();
        long dropped = ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET);
        long lost = ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
        long droppedInStretch = dropped
                - ScaleSnapshot.at(before.monitor(), MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET)
                + lost
                - ScaleSnapshot.at(before.monitor(), MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
        int holed = holes.volumesWithHoles();
        long posted = sets.path("posted").asLong();
        long acked = sets.path("acked").asLong();
        long stored = sets.path("stored").asLong();
        long unacked = posted - acked - stored;
        double pollsPerSecond = (ScaleSnapshot.at(after.monitor(), MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET)
                        - ScaleSnapshot.at(before.monitor(), MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET))
                / secondsMeasured;
        double clockTicks = clockTicksPerSecond();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String role : before.pids().keySet()) {
            long b = before.ticks().get(role);
            Long a = after.ticks().get(role);
            boolean samePid = before.pids().get(role).equals(after.pids().get(role));
            cpu.put(
                    role,
                    samePid && b >= 0 && a != null && a >= 0
                            ? (a - b) / clockTicks / secondsMeasured * 100
                            : Double.NaN);
        }
        double benchCpu = (after.benchTicks() - before.benchTicks()) / clockTicks / secondsMeasured * 100;

        System.out.printf(
                Locale.ROOT,
                "%n  samples stored     %,10.0f /s   (offered %,.0f /s: %,d volumes x %d directions per %d ms poll)%n",
                storedPerSecond,
                offeredPerSecond,
                volumes,
                ScaleBenchmark.SAMPLES_PER_REPORT,
                ScaleBenchmark.POLL_MILLIS);
        // From the stretch's start until the pipeline drained: the stretch's samples may be dropped after its end.
        long samplesDropped =
                servicesEnd.path("dbForwarding").path("droppedSamples").asLong() - before.droppedSamples();
        System.out.printf(
                Locale.ROOT,
                "  samples dropped    %,10d by the services' forwarder from the stretch's start until drained"
                        + " (%,d during the stretch, of any age: the oldest waiting go first; %,d JSON calls dropped)%n",
                samplesDropped,
                after.droppedSamples() - before.droppedSamples(),
                after.droppedCalls() - before.droppedCalls());
        System.out.printf(
                Locale.ROOT,
                "  report -> row      p50 %,d ms  p99 %,d ms  max %,d ms   (%d windows of %d volumes; conservative"
                        + " bound p50 %,d p99 %,d ms; %,d probe calls, %d failed)%n",
                RowProbe.percentile(mid, 50),
                RowProbe.percentile(mid, 99),
                RowProbe.percentile(mid, 100),
                mid.length,
                ScaleBenchmark.PROBE_VOLUMES,
                RowProbe.percentile(upper, 50),
                RowProbe.percentile(upper, 99),
                probe.calls(),
                probe.failedCalls());
        StringBuilder slices = new StringBuilder();
        for (long max : probe.maxBySlice(before.epochMillis(), after.epochMillis(), 5_000)) {
            slices.append(slices.isEmpty() ? "" : " ").append(max < 0 ? "-" : String.format(Locale.ROOT, "%,d", max));
        }
        System.out.printf(Locale.ROOT, "    largest per 5 s of the stretch, ms: %s%n", slices);
        System.out.printf(
                Locale.ROOT,
                "  lost reports       %d   (monitor since its start: %d dropped, %d lost, %d of them in the"
                        + " stretch; %d volumes with holes, %d of them"
                        + " not stored over the stretch by the end of the check; checked in %,d ms)%n",
                dropped + lost + holed,
                dropped,
                lost,
                droppedInStretch,
                holed,
                holes.uncovered().size(),
                holes.millis());
        holes.holes().stream().limit(5).forEach(h -> System.out.println("    hole: volume " + h));
        holes.uncovered().stream().limit(5).forEach(v -> System.out.println("    not covered: volume " + v));
        System.out.printf(
                Locale.ROOT,
                "  throttle sets      %d unacked (posted %d, acked %d, stored %d, failed %d, waiting %d, in flight %d)%n",
                unacked,
                posted,
                acked,
                stored,
                sets.path("failed").asLong(),
                sets.path("waiting").asLong(),
                sets.path("inFlight").asLong());
        System.out.printf(
                Locale.ROOT,
                "  monitor            %d gateways in session, %d unreachable, %d pending; polls answered %,.0f /s;"
                        + " %d thread pairs%n",
                ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.IN_SESSION_OFFSET),
                ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.UNREACHABLE_OFFSET),
                ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.PENDING_OFFSET),
                pollsPerSecond,
                ScaleSnapshot.at(monitorEnd, MonitorStatusDescriptor.PAIRS_OFFSET));
        System.out.printf(Locale.ROOT, "  db                 %s%n", dbEnd);
        System.out.printf(
                Locale.ROOT,
                "  services           ticks %d, last tick %,d us, volumes %d, gateways %d, db forwarding %s%n",
                servicesEnd.path("ticks").asLong(),
                servicesEnd.path("lastTickMicros").asLong(),
                servicesEnd.path("volumes").asLong(),
                servicesEnd.path("gateways").asLong(),
                servicesEnd.path("dbForwarding"));
        StringBuilder cpuLine = new StringBuilder();
        cpu.forEach((role, pct) -> cpuLine.append(String.format(Locale.ROOT, "%s %.1f%%  ", role, pct)));
        System.out.printf(
                Locale.ROOT, "  cpu (%% of a core)  %sbench JVM (simulators, probe) %.1f%%%n", cpuLine, benchCpu);
        System.out.printf(
                Locale.ROOT,
                "  load average       %s at the start, %s at the end of the stretch, %s after the checks%n",
                before.loadAvg(),
                after.loadAvg(),
                loadAvg);
        System.out.printf(Locale.ROOT, "  simulators         %s; big: %s%n", manyEnd, bigEnd);
        long reconnects = after.reconnects() - before.reconnects();
        long connectionsLost = after.connectionsLost() - before.connectionsLost();
        int restarts = server.restarts();
        if (reconnects > 0 || connectionsLost > 0) {
            options.notes.add(
                    reconnects + " gateway reconnects and " + connectionsLost + " connections lost during the stretch");
        }
        if (restarts > 0) {
            options.notes.add("roles restarted " + restarts + " times (see " + server.runDir.resolve("logs") + ")");
        }
        if (storedPerSecond < 0.95 * offeredPerSecond) {
            options.notes.add(String.format(
                    Locale.ROOT,
                    "the database stored %.0f samples/s of %.0f offered",
                    storedPerSecond,
                    offeredPerSecond));
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "scale");
        json.put("mode", options.quick ? "quick" : "full");
        json.put("engine", options.pg == null ? "h2" : "postgresql");
        json.put("volumes", volumes);
        json.put("gateways", g + 1);
        json.put("poll_ms", ScaleBenchmark.POLL_MILLIS);
        json.put("measured_s", round1(secondsMeasured));
        json.put("samples_stored_per_s", Math.round(storedPerSecond));
        json.put("samples_offered_per_s", Math.round(offeredPerSecond));
        json.put("samples_dropped", samplesDropped);
        json.put("report_to_row_p50_ms", nullIfNone(RowProbe.percentile(mid, 50)));
        json.put("report_to_row_p99_ms", nullIfNone(RowProbe.percentile(mid, 99)));
        json.put("report_to_row_max_ms", nullIfNone(RowProbe.percentile(mid, 100)));
        json.put("report_to_row_windows", mid.length);
        json.put("lost_reports", dropped + lost + holed);
        json.put("reports_dropped", dropped);
        json.put("reports_lost", lost);
        json.put("reports_dropped_or_lost_in_stretch", droppedInStretch);
        json.put("volumes_with_holes", holed);
        json.put("unacked_throttle_sets", unacked);
        json.put("throttle_sets_failed", sets.path("failed").asLong());
        json.put("throttle_sets_posted", posted);
        json.put("polls_answered_per_s", Math.round(pollsPerSecond));
        cpu.forEach((role, pct) -> json.put("cpu_pct_" + role, Double.isNaN(pct) ? null : round1(pct)));
        json.put("cpu_pct_bench", round1(benchCpu));
        json.put("role_restarts", restarts);
        json.put("load_avg", Double.parseDouble(after.loadAvg().split(" ")[0]));
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("server_start_s", round1(startSeconds));
        json.put("all_shown_s", round1(showSeconds));
        json.put("warmup_s", options.warmupSeconds);
        return json;
    }

    static Object nullIfNone(long value) {
        return value < 0 ? null : value;
    }

    static double clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Double.parseDouble(out);
        } catch (Exception e) {
            return 100; // Linux's USER_HZ everywhere but on exotic builds
        }
    }

    static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
