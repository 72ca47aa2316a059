package io.sluice.bench.monitor;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.monitor.MonitorTls;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;

/**
 * The Sluice monitor daemon as the benchmark sees it: real mailboxes, a stand-in for the SLA services that counts the
 * reports arriving in its mailbox, and sweeps asked for through the monitor's mailbox (MONITOR_POLL_NOW), exactly as
 * the services would.
 */
final class SluiceSweepServer implements SweepServer {
    /**
     * How often {@link #sweep} looks for the last answer: a sweep's end is seen up to this late (a millisecond against
     * sweeps of hundreds), and the looking costs the monitor's CPU a few hundred wake-ups a sweep instead of thousands.
     */
    private static final long SWEEP_CHECK_NANOS = 1_000_000;

    private final Path monitorBox;
    private final Path servicesBox;
    private final MonitorDaemon daemon;
    private final MailboxClient client;

    /**
     * With {@code pkiDir} (a CA's directory) the gateway link is TLS with client certificates from that CA, at most
     * {@code handshakeBound} handshakes in progress (0: the monitor's default). {@code balanceByLoad}: the monitor's
     * balancing by measured cost with work sharing (its default), or by session count alone, for comparison.
     */
    SluiceSweepServer(
            byte[] secret,
            int maxGateways,
            long pollIntervalMillis,
            Path pkiDir,
            int handshakeBound,
            boolean balanceByLoad)
            throws Exception {
        String tag = "sluice-bench-" + ProcessHandle.current().pid();
        monitorBox = Path.of("/dev/shm", tag + "-monitor");
        servicesBox = Path.of("/dev/shm", tag + "-services");
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, secret)
                .withApproved(LongStream.rangeClosed(1, maxGateways).boxed().collect(Collectors.toSet()))
                // The simulated gateways all serve vol-1, flagged shared: bound to every one of them.
                .withSharedVolumes(Map.of(
                        "vol-1", LongStream.rangeClosed(1, maxGateways).boxed().collect(Collectors.toSet())))
                .withPolling(pollIntervalMillis, 3)
                .withPairs(0, maxGateways)
                .withBalancing(balanceByLoad)
                .withLimits(maxGateways + 100, 1 << 20, 256 * 1024, 4 << 20)
                // The whole fleet may arrive at once (each simulated gateway from its own loopback address): room
                // for all of it unauthenticated.
                // With TLS the monitor's own bound on handshakes in progress (its default, four per core) is what
                // keeps thousands of full handshakes from advancing in lockstep and all missing their deadline.
                .withHandshake(
                        10_000,
                        new MonitorContext.UnauthenticatedLimits(
                                maxGateways + 100,
                                maxGateways + 100,
                                handshakeBound > 0
                                        ? handshakeBound
                                        : MonitorContext.UnauthenticatedLimits.defaultHandshakes()));
        if (pkiDir != null) {
            CertificateAuthority ca = CertificateAuthority.load(pkiDir, EpochClock.system());
            KeyMaterial own = ca.issueKeyMaterial(
                    "bench-monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
            context = context.withTls(MonitorTls.of(ca, own, null));
        }
        daemon = new MonitorDaemon(context);
        client = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    /** The SLA services' mailbox: the benchmark serves it from its own process, as the services would. */
    Path servicesMailbox() {
        return servicesBox;
    }

    /** A stand-in for the SLA services that takes every report and answers at once; it sleeps between reports. */
    static MailboxService servicesStandIn(Path servicesBox) {
        return new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> request.reply(MailboxStatus.OK, 0),
                        0,
                        "bench-services")
                .start();
    }

    @Override
    public int port() {
        return daemon.address().getPort();
    }

    @Override
    public int sessions() {
        return daemon.sessionsInSession();
    }

    int pairs() {
        return daemon.pairCount();
    }

    /** Reports handed to the services and the batch calls that carried them, since the start. */
    String reportCalls() {
        return daemon.counters().reportsForwarded() + " " + daemon.counters().reportBatchesPosted();
    }

    /** Sessions moved between pairs and sessions read by another pair's idle inbound thread, since the start. */
    String balance() {
        return daemon.counters().sessionsMigrated() + " " + daemon.counters().sessionsShared();
    }

    /** How many of {@code gatewayIds} each pair serves, by pair index (those without a session left out). */
    String placement(long[] gatewayIds) {
        int[] perPair = new int[Math.max(1, daemon.pairCount())];
        for (long id : gatewayIds) {
            int pair = daemon.pairOf(id);
            if (pair >= 0 && pair < perPair.length) {
                perPair[pair]++;
            }
        }
        return Arrays.stream(perPair).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    /** Asks the monitor to move each of {@code gatewayIds} to pair {@code pair} (MonitorDaemon.moveGateway). */
    void move(int pair, long[] gatewayIds) {
        for (long id : gatewayIds) {
            daemon.moveGateway(id, pair);
        }
    }

    /** The handshake counters: the most in progress at once, times the bound stopped the acceptor, timeouts. */
    String handshakes() {
        return daemon.handshakesInProgressPeak() + " " + daemon.counters().handshakeBoundReached() + " "
                + daemon.counters().handshakeTimeouts();
    }

    /**
     * Asked through the monitor's mailbox, like the services ask; finished when the daemon has every gateway's answer
     * (the same point at which the peers count a sweep done). The reports' hand-over to the services' mailbox goes on
     * meanwhile and its CPU is counted with the daemon's. This thread is in the monitor's JVM, so its waiting counts as
     * the monitor's CPU too ({@link #SWEEP_CHECK_NANOS}); the peers' harnesses wake once, on a latch.
     */
    @Override
    public long sweep() throws Exception {
        long start = System.nanoTime();
        long target = daemon.counters().pollsAnswered() + daemon.sessionsInSession();
        client.call(MailboxOpcodes.MONITOR_POLL_NOW, new byte[0]).get(10, TimeUnit.SECONDS);
        long deadline = start + TimeUnit.SECONDS.toNanos(30);
        while (daemon.counters().pollsAnswered() < target) {
            if (System.nanoTime() > deadline) {
                return -1;
            }
            LockSupport.parkNanos(SWEEP_CHECK_NANOS);
        }
        return System.nanoTime() - start;
    }

    /**
     * Latency of throttle commands from the moment the services post them in the monitor's mailbox to the gateway's
     * acknowledgement arriving back in the same slot, for {@code count} commands to random gateways, {@code concurrent}
     * in flight at a time. Returns {p50, p99} in nanoseconds.
     */
    long[] throttleLatency(int count, int concurrent, int gateways) throws Exception {
        Histogram histogram = new Histogram(60_000_000_000L, 3);
        SplittableRandom random = new SplittableRandom(42);
        for (int done = 0; done < count; done += concurrent) {
            CompletableFuture<?>[] batch = new CompletableFuture<?>[Math.min(concurrent, count - done)];
            for (int i = 0; i < batch.length; i++) {
                long gateway = random.nextLong(1, gateways + 1);
                long start = System.nanoTime();
                batch[i] = client.call(
                                MailboxOpcodes.MONITOR_THROTTLE_SET,
                                0,
                                client.nextCorrelationId(),
                                frame(gateway, done + i + 1))
                        .thenAccept(reply -> record(histogram, reply, start));
            }
            CompletableFuture.allOf(batch).get(60, TimeUnit.SECONDS);
        }
        return new long[] {histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99)};
    }

    private static synchronized void record(Histogram histogram, Reply reply, long start) {
        if (reply.status() == MailboxOpcodes.THROTTLE_ACKED) {
            histogram.recordValue(System.nanoTime() - start);
        }
    }

    private static byte[] frame(long gatewayId, long version) {
        ByteBuffer buffer =
                ByteBuffer.allocate(ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VOLUME_RECORD_LENGTH);
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(buffer, 1, gatewayId, 0, 1);
        writer.volume(0)
                .volumeId(1)
                .version(version)
                .iopsLimit(1_000 + version % 1000)
                .weight(100);
        writer.commit();
        return buffer.array();
    }

    @Override
    public void close() throws Exception {
        client.close();
        daemon.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }
}
