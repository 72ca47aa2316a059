package io.sluice.bench;

import static io.sluice.bench.GatewayFio.BURST;
import static io.sluice.bench.GatewayFio.IO_SIZE_KIB;
import static io.sluice.bench.GatewayFio.LIMIT;

import io.sluice.bench.GatewayFio.Burst;
import io.sluice.bench.GatewayFio.Fio;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code sluice bench gateway}'s tables and its last line, the JSON summary. */
final class GatewayReport {
    private static final String QSD = GatewayBenchmark.QSD;

    private GatewayReport() {}

    static void print(boolean quick, Map<String, Fio> r, Map<String, Burst> bursts, double schedNanos, int seconds) {
        System.out.printf(
                Locale.ROOT,
                "%ngateway benchmark (%s): fio nbd engine, 4 KiB random reads of a prefilled file, %d s runs%n",
                quick ? "quick" : "full",
                seconds);
        System.out.printf(Locale.ROOT, "%-32s %10s %10s %10s%n", "target", "IOPS", "p50 us", "p99 us");
        r.forEach((name, f) -> System.out.printf(
                Locale.ROOT, "%-32s %10.0f %10.1f %10.1f%n", name, f.iops(), f.p50Micros(), f.p99Micros()));
        System.out.printf(
                Locale.ROOT,
                "(4k/64k rows: half 4 KiB, half 64 KiB reads, IOPS in 4 KiB units, limit normalized to %d KiB)%n",
                IO_SIZE_KIB);
        double burstSeconds = bursts.get("sluice").seconds();
        System.out.printf(
                Locale.ROOT,
                "%nburst: %.0f IOPS, bursts of %.0f for %.0f s; from the first I/O QEMU's semantics allow %.0f I/Os "
                        + "in the first second, the burst ends at %.2f s (%.0f I/Os), %.0f in all by %.0f s, %.0f per s after "
                        + "(%.0f from %.0f s to %.0f s)%n",
                BURST.rate(),
                BURST.burst(),
                BURST.burstSeconds(),
                BURST.allowed(1),
                BURST.burstEndSeconds(),
                BURST.allowed(BURST.burstEndSeconds()),
                BURST.allowed(burstSeconds),
                burstSeconds,
                BURST.rate(),
                BURST.rate() * bursts.get("sluice").afterSeconds(),
                burstSeconds - bursts.get("sluice").afterSeconds(),
                burstSeconds);
        System.out.printf(
                Locale.ROOT,
                "%-32s %10s %10s %10s %10s %10s %10s%n",
                "target",
                "1st s I/Os",
                "% allowed",
                "total I/Os",
                "error %",
                "after I/Os",
                "error %");
        bursts.forEach((name, b) -> System.out.printf(
                Locale.ROOT,
                "%-32s %10d %10.1f %10d %10.2f %10d %10.2f%n",
                name,
                b.firstSecond(),
                b.firstSecondPct(),
                b.total(),
                b.totalErrorPct(),
                b.after(),
                b.afterErrorPct()));
        System.out.printf(
                Locale.ROOT,
                "scheduler + accounting (JMH): %.0f ns per I/O; qemu-storage-daemon aio=%s%n",
                schedNanos,
                NbdServer.qsdAio());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "gateway");
        json.put("mode", quick ? "quick" : "full");
        json.put(
                "iops_vs_nbdkit_qd32",
                round(r.get("sluice qd32").iops() / r.get("nbdkit qd32").iops()));
        json.put(
                "iops_vs_nbdkit_qd1",
                round(r.get("sluice qd1").iops() / r.get("nbdkit qd1").iops()));
        json.put(
                "iops_vs_qsd_qd32",
                round(r.get("sluice qd32").iops() / r.get(QSD + " qd32").iops()));
        json.put(
                "iops_vs_qsd_qd1",
                round(r.get("sluice qd1").iops() / r.get(QSD + " qd1").iops()));
        json.put(
                "tls_iops_vs_nbdkit_tls_qd32",
                round(r.get("sluice tls qd32").iops() / r.get("nbdkit tls qd32").iops()));
        json.put(
                "tls_iops_vs_nbdkit_tls_qd1",
                round(r.get("sluice tls qd1").iops() / r.get("nbdkit tls qd1").iops()));
        json.put(
                "tls_iops_vs_plain_qd32",
                round(r.get("sluice tls qd32").iops() / r.get("sluice qd32").iops()));
        json.put(
                "added_p50_us_qd1",
                round(r.get("sluice qd1").p50Micros() - r.get("nbdkit qd1").p50Micros()));
        json.put(
                "added_p50_us_qd1_vs_qsd",
                round(r.get("sluice qd1").p50Micros() - r.get(QSD + " qd1").p50Micros()));
        json.put("throttle_error_pct", round(Math.abs(r.get("sluice 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "qemu_throttle_error_pct",
                round(Math.abs(r.get("qemu-storage-daemon 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "mixed_throttle_error_pct",
                round(Math.abs(r.get("sluice 2000 IOPS 4k/64k").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "qemu_mixed_throttle_error_pct",
                round(Math.abs(r.get("qemu-storage-daemon 2000 IOPS 4k/64k").iops() - LIMIT) * 100.0 / LIMIT));
        json.put("burst_error_pct", round(bursts.get("sluice").errorPct()));
        json.put("qemu_burst_error_pct", round(bursts.get(QSD).errorPct()));
        json.put("burst_first_second_pct", round(bursts.get("sluice").firstSecondPct()));
        json.put("qemu_burst_first_second_pct", round(bursts.get(QSD).firstSecondPct()));
        json.put("sched_ns_per_io", Math.round(schedNanos));
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
