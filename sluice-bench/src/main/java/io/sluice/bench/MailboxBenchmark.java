package io.sluice.bench;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxService;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Round trip and throughput of the two-step mailbox between two processes, side by side in one run with (a)
 * request/reply over a Unix-domain socket and (b) a request/reply pair of Agrona OneToOneRingBuffers. Every transport
 * carries the same 64-byte message and copies it in and out.
 */
@Command(
        name = "mailbox",
        mixinStandardHelpOptions = true,
        description =
                "Mailbox round trip (p50/p99/p99.9) and calls/s with 1 and 4 callers vs a Unix socket and Agrona rings.")
final class MailboxBenchmark implements Callable<Integer> {
    private static final int WINDOW = 16;
    private static final int AGRONA_CAPACITY = 64 * 1024;
    private static final MailboxGeometry GEOMETRY = new MailboxGeometry(256, 256, 8, 2);

    @Option(names = "--quick", description = "fewer iterations: finishes in well under a minute")
    boolean quick;

    private int warmup;
    private int iterations;
    private static final Path THIS_THREAD_STATUS = Path.of("/proc/thread-self/status");
    private long throughputNanos;

    /** {@code calleeSleepsPerCall}: the callee thread's kernel sleeps per round trip, NaN where not counted. */
    record Row(
            String transport,
            Histogram rtt,
            double callerCpuUsPerCall,
            double calleeCpuUsPerCall,
            double callerSleepsPerCall,
            double calleeSleepsPerCall,
            double callsPerSecond1,
            double callsPerSecond4) {
        /** A transport's row: its round trips measured one at a time, and its calls per second from 1 and 4 callers. */
        static Row of(String transport, Measured rtt, double callsPerSecond1, double callsPerSecond4) {
            return new Row(
                    transport,
                    rtt.histogram,
                    rtt.callerCpuUs,
                    rtt.calleeCpuUs,
                    rtt.callerSleeps,
                    rtt.calleeSleeps,
                    callsPerSecond1,
                    callsPerSecond4);
        }
    }

    @Override
    public Integer call() throws Exception {
        warmup = quick ? 20_000 : 100_000;
        iterations = quick ? 50_000 : 500_000;
        throughputNanos = quick ? 1_500_000_000L : 5_000_000_000L;
        Path dir = Files.createTempDirectory(
                Files.isDirectory(Mailbox.DEFAULT_DIRECTORY)
                        ? Mailbox.DEFAULT_DIRECTORY
                        : Path.of(System.getProperty("java.io.tmpdir")),
                "sluice-bench-");
        List<Row> rows = new ArrayList<>();
        try {
            rows.add(mailbox(
                    dir, "sluice mailbox, spinning callee", MailboxService.DEFAULT_SPIN_NANOS, Links.Wait.SPIN, true));
            rows.add(mailbox(dir, "sluice mailbox, sleeping callee", 0, Links.Wait.SLEEP, false));
            rows.add(agrona(dir));
            rows.add(uds(dir));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        print(rows);
        return 0;
    }

    private Row mailbox(Path dir, String name, long calleeSpinNanos, Links.Wait wait, boolean throughput)
            throws Exception {
        Path file = dir.resolve("mailbox-" + calleeSpinNanos);
        try (Mailbox mailbox = Mailbox.create(file, GEOMETRY);
                ChildJvm callee = new ChildJvm(
                        EchoServerMain.class, "mailbox", file.toString(), Long.toString(calleeSpinNanos))) {
            Measured rtt =
                    roundTrips(() -> new Links.MailboxLink(mailbox, 0, wait), callee, EchoServerMain.MAILBOX_THREAD);
            double t1 = throughput
                    ? callsPerSecond(1, i -> new Links.MailboxLink(mailbox, i, Links.Wait.ADAPTIVE))
                    : Double.NaN;
            double t4 = throughput
                    ? callsPerSecond(4, i -> new Links.MailboxLink(mailbox, i, Links.Wait.ADAPTIVE))
                    : Double.NaN;
            return new Row(
                    name, rtt.histogram, rtt.callerCpuUs, rtt.calleeCpuUs, rtt.callerSleeps, rtt.calleeSleeps, t1, t4);
        }
    }

    private Row agrona(Path dir) throws Exception {
        File file = dir.resolve("agrona").toFile();
        MappedByteBuffer mapped = IoUtil.mapNewFile(file, AgronaRings.fileLength(4, AGRONA_CAPACITY));
        try (ChildJvm callee =
                new ChildJvm(EchoServerMain.class, "agrona", file.toString(), "4", Integer.toString(AGRONA_CAPACITY))) {
            Measured rtt =
                    roundTrips(() -> new Links.AgronaLink(mapped, 0, AGRONA_CAPACITY, Links.Wait.SPIN), callee, null);
            double t1 = callsPerSecond(1, i -> new Links.AgronaLink(mapped, i, AGRONA_CAPACITY, Links.Wait.ADAPTIVE));
            double t4 = callsPerSecond(4, i -> new Links.AgronaLink(mapped, i, AGRONA_CAPACITY, Links.Wait.ADAPTIVE));
            return Row.of("agrona 1:1 ring pair, spinning", rtt, t1, t4);
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    private Row uds(Path dir) throws Exception {
        Path socket = dir.resolve("echo.sock");
        try (ChildJvm callee = new ChildJvm(EchoServerMain.class, "uds", socket.toString())) {
            Measured rtt = roundTrips(() -> new Links.UdsLink(socket), callee, null);
            double t1 = callsPerSecond(1, i -> new Links.UdsLink(socket));
            double t4 = callsPerSecond(4, i -> new Links.UdsLink(socket));
            return Row.of("unix-domain socket, blocking", rtt, t1, t4);
        }
    }

    interface LinkFactory {
        Link open() throws Exception;
    }

    interface IndexedLinkFactory {
        Link open(int callerIndex) throws Exception;
    }

    record Measured(
            Histogram histogram, double callerCpuUs, double calleeCpuUs, double callerSleeps, double calleeSleeps) {}

    /**
     * Round trips one at a time; besides the CPU time, the kernel sleeps (voluntary context switches) of the calling
     * thread and of the callee's thread {@code calleeThread} (null: not counted), so a row that says it sleeps can be
     * seen to.
     */
    private Measured roundTrips(LinkFactory factory, ChildJvm callee, String calleeThread) throws Exception {
        Histogram histogram = new Histogram(10_000_000_000L, 3);
        var threads = ManagementFactory.getThreadMXBean();
        try (Link link = factory.open()) {
            for (int i = 0; i < warmup; i++) {
                link.awaitPeerIdle();
                link.send();
                link.awaitReplies();
            }
            long calleeCpu = callee.cpuNanos();
            long callerCpu = threads.getCurrentThreadCpuTime();
            long calleeSwitches = calleeThread == null ? -1 : callee.voluntarySwitches(calleeThread);
            long callerSwitches = ChildJvm.voluntarySwitches(THIS_THREAD_STATUS);
            for (int i = 0; i < iterations; i++) {
                link.awaitPeerIdle();
                long start = System.nanoTime();
                link.send();
                link.awaitReplies();
                histogram.recordValue(System.nanoTime() - start);
            }
            double callerUs = (threads.getCurrentThreadCpuTime() - callerCpu) / 1_000.0 / iterations;
            double calleeUs = (callee.cpuNanos() - calleeCpu) / 1_000.0 / iterations;
            double callerSleeps =
                    (double) (ChildJvm.voluntarySwitches(THIS_THREAD_STATUS) - callerSwitches) / iterations;
            double calleeSleeps = calleeSwitches < 0
                    ? Double.NaN
                    : (double) (callee.voluntarySwitches(calleeThread) - calleeSwitches) / iterations;
            return new Measured(histogram, callerUs, calleeUs, callerSleeps, calleeSleeps);
        }
    }

    /** Each caller keeps {@link #WINDOW} calls outstanding; counts replies between a shared start and end. */
    private double callsPerSecond(int callers, IndexedLinkFactory factory) throws Exception {
        long warmEnd = System.nanoTime() + 300_000_000L + 100_000_000L * callers;
        long end = warmEnd + throughputNanos;
        AtomicLong total = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < callers; c++) {
            Link link = factory.open(c);
            threads.add(Thread.ofPlatform().name("bench-caller-" + c).start(() -> {
                try (link) {
                    long counted = 0;
                    int outstanding = 0;
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) {
                            break;
                        }
                        while (outstanding < WINDOW && link.send()) {
                            outstanding++;
                        }
                        int n = link.awaitReplies();
                        outstanding -= n;
                        if (now >= warmEnd) {
                            counted += n;
                        }
                    }
                    while (outstanding > 0) {
                        outstanding -= link.awaitReplies();
                    }
                    total.addAndGet(counted);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("throughput run failed", failures.get(0));
        }
        return total.get() / (throughputNanos / 1e9);
    }

    private void print(List<Row> rows) {
        System.out.printf(
                Locale.ROOT,
                "%nmailbox benchmark (%s): %d-byte request and reply, two processes, %d cores%n",
                quick ? "quick" : "full",
                Links.MESSAGE,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                Locale.ROOT,
                "%-34s %9s %9s %9s %12s %12s %9s %9s %13s %13s%n",
                "transport",
                "rtt p50",
                "p99",
                "p99.9",
                "caller cpu",
                "callee cpu",
                "caller",
                "callee",
                "calls/s",
                "calls/s");
        System.out.printf(
                Locale.ROOT,
                "%-34s %9s %9s %9s %12s %12s %9s %9s %13s %13s%n",
                "",
                "ns",
                "ns",
                "ns",
                "us/call",
                "us/call",
                "sleeps",
                "sleeps",
                "1 caller",
                "4 callers");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %9d %9d %9d %12.2f %12.2f %9.3f %9s %13s %13s%n",
                    r.transport(),
                    r.rtt().getValueAtPercentile(50),
                    r.rtt().getValueAtPercentile(99),
                    r.rtt().getValueAtPercentile(99.9),
                    r.callerCpuUsPerCall(),
                    r.calleeCpuUsPerCall(),
                    r.callerSleepsPerCall(),
                    Double.isNaN(r.calleeSleepsPerCall())
                            ? "-"
                            : String.format(Locale.ROOT, "%.3f", r.calleeSleepsPerCall()),
                    rate(r.callsPerSecond1()),
                    rate(r.callsPerSecond4()));
        }
        System.out.println(
                "sleeps: the thread's voluntary context switches per round trip (each futex wait that slept is one)");
        Row spin = rows.get(0);
        Row sleeping = rows.get(1);
        Row agrona = rows.get(2);
        Row uds = rows.get(3);
        double p50 = spin.rtt().getValueAtPercentile(50);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "mailbox");
        json.put("mode", quick ? "quick" : "full");
        json.put("rtt_p50_ns", spin.rtt().getValueAtPercentile(50));
        json.put("rtt_p99_ns", spin.rtt().getValueAtPercentile(99));
        json.put("rtt_p999_ns", spin.rtt().getValueAtPercentile(99.9));
        json.put("sleeping_rtt_p50_ns", sleeping.rtt().getValueAtPercentile(50));
        json.put("agrona_rtt_p50_ns", agrona.rtt().getValueAtPercentile(50));
        json.put("uds_rtt_p50_ns", uds.rtt().getValueAtPercentile(50));
        json.put("rtt_p50_vs_agrona", round(p50 / agrona.rtt().getValueAtPercentile(50)));
        json.put("uds_vs_rtt_p50", round(uds.rtt().getValueAtPercentile(50) / p50));
        json.put(
                "sleeping_rtt_p50_vs_uds",
                round((double) sleeping.rtt().getValueAtPercentile(50)
                        / uds.rtt().getValueAtPercentile(50)));
        json.put("calls_per_s_1_caller", Math.round(spin.callsPerSecond1()));
        json.put("calls_per_s_4_callers", Math.round(spin.callsPerSecond4()));
        json.put("agrona_calls_per_s_4_callers", Math.round(agrona.callsPerSecond4()));
        json.put("uds_calls_per_s_4_callers", Math.round(uds.callsPerSecond4()));
        json.put("sleeping_callee_cpu_us_per_call", round(sleeping.calleeCpuUsPerCall()));
        json.put("sleeping_callee_sleeps_per_call", round(sleeping.calleeSleepsPerCall()));
        json.put("sleeping_caller_sleeps_per_call", round(sleeping.callerSleepsPerCall()));
        json.put("spinning_callee_sleeps_per_call", round(spin.calleeSleepsPerCall()));
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static String rate(double perSecond) {
        return Double.isNaN(perSecond) ? "-" : String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
