package io.sluice.gateway.qos;

import static io.sluice.gateway.nbd.NbdDescriptor.CMD_BLOCK_STATUS;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_CACHE;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_FLUSH;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_READ;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_TRIM;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_WRITE_ZEROES;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.export.BackendGroup;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.export.RequestScheduler;
import io.sluice.gateway.stats.VolumeStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The tag scheduler driven step by step: a manual clock, {@link QosScheduler#tryNext()} instead of dispatcher threads,
 * and every dispatched request resubmitted at once, so each export stays backlogged with the same number of requests
 * (the way fio keeps its iodepth).
 */
class QosSchedulerTest {
    private static final long MS = 1_000_000;
    private static final long STEP = MS / 10;
    private static final int QUEUE = 16;

    private final ManualNanoClock clock = new ManualNanoClock();
    private final List<Export> exports = new ArrayList<>();
    private QosScheduler scheduler;

    private void backend(double iops) {
        scheduler = new QosScheduler(new BackendLimits("disk", iops, 4), QUEUE, clock);
    }

    private Export export(QosParameters parameters) {
        Export export = new Export(
                "v" + exports.size(), exports.size(), new NullBackend(), false, new BackendGroup("disk", scheduler, 4));
        scheduler.register(export, parameters);
        exports.add(export);
        return export;
    }

    private IoRequest request(Export export, int type, long length) {
        IoRequest request = new IoRequest(r -> {});
        request.set(export, 1, type, 0, 0, length, clock.nanoTime());
        return request;
    }

    private void backlog(Export export, long length) throws InterruptedException {
        backlog(export, CMD_READ, length);
    }

    private void backlog(Export export, int type, long length) throws InterruptedException {
        for (int i = 0; i < QUEUE; i++) {
            assertThat(scheduler.submit(request(export, type, length))).isTrue();
        }
    }

    /** Runs for {@code nanos} in steps, dispatching and resubmitting; returns dispatches per export. */
    private long[] run(long nanos) throws InterruptedException {
        long[] dispatched = new long[exports.size()];
        for (long t = 0; t < nanos; t += STEP) {
            IoRequest request;
            while ((request = scheduler.tryNext()) != null) {
                dispatched[request.export().id()]++;
                request.set(request.export(), 1, request.type(), 0, 0, request.length(), clock.nanoTime());
                assertThat(scheduler.submit(request)).isTrue();
            }
            clock.advance(STEP);
        }
        return dispatched;
    }

    @Test
    void anIopsLimitGivesExactlyTheLimitOnceTheInitialBucketIsSpent() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(2000));
        backlog(volume, 4096);
        // A tenth of a second's worth goes at once (QEMU's default bucket), then 2,000 per second.
        assertThat(run(1000 * MS)[0]).isEqualTo(2200);
        assertThat(run(1000 * MS)[0]).isEqualTo(2000);
    }

    @Test
    void sizeNormalizationChargesBigIosAsSeveral() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(2000).withIoSize(4096));
        backlog(volume, 16384);
        run(1000 * MS);
        // Each 16 KiB read counts as four 4 KiB I/Os.
        assertThat(run(1000 * MS)[0]).isEqualTo(500);
    }

    @Test
    void aOneGibTrimOrZeroingCountsAsOneIoNotAsTwoHundredThousand() throws InterruptedException {
        for (int type : new int[] {CMD_TRIM, CMD_WRITE_ZEROES, CMD_BLOCK_STATUS}) {
            backend(0);
            exports.clear();
            Export volume = export(QosParameters.iopsLimit(2000).withIoSize(4096));
            backlog(volume, type, 1L << 30);
            run(1000 * MS);
            assertThat(run(1000 * MS)[0]).as("command %d", type).isEqualTo(2000);
        }
    }

    @Test
    void commandsWithoutDataUseNoBandwidthWhileCacheReadsItsLength() throws InterruptedException {
        // The longest delay cap, so that 16 queued prefetches (4 s of them) are held by the limit alone.
        QosParameters oneMibPerSecond = QosParameters.builder()
                .bandwidth(BucketLimit.of(1 << 20))
                .maxDelayNanos(QosParameters.MAX_MAX_DELAY_NANOS)
                .build();
        backend(2000);
        Export trims = export(oneMibPerSecond);
        backlog(trims, CMD_TRIM, 1L << 30);
        run(1000 * MS);
        // Held only by the backend's modelled capacity, never by the bandwidth limit.
        assertThat(run(1000 * MS)[0]).isEqualTo(2000);

        backend(2000);
        exports.clear();
        Export caches = export(oneMibPerSecond);
        backlog(caches, CMD_CACHE, 256 << 10);
        run(2000 * MS);
        // 1 MiB per second in 256 KiB prefetches, as reads of that size would go.
        assertThat(run(2000 * MS)[0]).isBetween(7L, 9L);
    }

    @Test
    void trimIsHeldByWriteLimitsAndBlockStatusByReadLimits() throws InterruptedException {
        QosParameters writesOnly =
                QosParameters.builder().writeIops(BucketLimit.of(100)).build();
        backend(2000);
        Export trims = export(writesOnly);
        Export statuses = export(writesOnly);
        backlog(trims, CMD_TRIM, 1 << 20);
        backlog(statuses, CMD_BLOCK_STATUS, 1 << 20);
        run(1000 * MS);
        long[] second = run(1000 * MS);
        assertThat(second[0]).isEqualTo(100);
        assertThat(second[1]).isGreaterThan(1000);
    }

    @Test
    void backloggedVolumesShareTheBackendByWeight() throws InterruptedException {
        backend(2000);
        Export light = export(QosParameters.UNLIMITED.withShares(0, 1));
        Export heavy = export(QosParameters.UNLIMITED.withShares(0, 3));
        backlog(light, 4096);
        backlog(heavy, 4096);
        long[] first = run(1000 * MS);
        long[] second = run(1000 * MS);
        assertThat(second[0]).isEqualTo(500);
        assertThat(second[1]).isEqualTo(1500);
        // Both always ready: every dispatch was a choice the weights made.
        assertThat(light.snapshot(0).wonByWeight()).isEqualTo(first[0] + second[0]);
        assertThat(heavy.snapshot(0).wonByWeight()).isEqualTo(first[1] + second[1]);
    }

    @Test
    void aVolumeAloneOnItsBackendWinsNothingByWeight() throws InterruptedException {
        backend(2000);
        Export alone = export(QosParameters.UNLIMITED.withShares(0, 1));
        Export idle = export(QosParameters.UNLIMITED.withShares(0, 3));
        backlog(alone, 4096);
        assertThat(run(1000 * MS)[0]).isPositive();
        assertThat(alone.snapshot(0).wonByWeight()).isZero();
        assertThat(idle.snapshot(0).wonByWeight()).isZero();
    }

    @Test
    void aReservationHoldsAgainstAHeavierNeighbour() throws InterruptedException {
        backend(2000);
        // By weight alone the reserved volume would get a tenth: 200 of 2,000.
        Export reserved = export(QosParameters.UNLIMITED.withShares(1000, 1));
        Export flooding = export(QosParameters.UNLIMITED.withShares(0, 9));
        backlog(reserved, 4096);
        backlog(flooding, 4096);
        long[] first = run(1000 * MS);
        long[] second = run(1000 * MS);
        assertThat(second[0]).isEqualTo(1000);
        assertThat(second[1]).isEqualTo(1000);
        // Both always ready: each dispatch was won, the reserved volume's by its reservation.
        VolumeStats r = reserved.snapshot(0);
        assertThat(r.wonByReservation()).isPositive();
        assertThat(r.wonByReservation() + r.wonByWeight()).isEqualTo(first[0] + second[0]);
        assertThat(flooding.snapshot(0).wonByReservation()).isZero();
    }

    @Test
    void aVolumeThatWasIdleEarnsNoCredit() throws InterruptedException {
        backend(2000);
        Export early = export(QosParameters.UNLIMITED.withShares(0, 1));
        Export late = export(QosParameters.UNLIMITED.withShares(0, 1));
        backlog(early, 4096);
        run(2000 * MS);
        backlog(late, 4096);
        long[] shared = run(1000 * MS);
        assertThat(shared[0]).isBetween(999L, 1001L);
        assertThat(shared[1]).isBetween(999L, 1001L);
    }

    @Test
    void noRequestIsHeldLongerThanTheDelayCap() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(1).withMaxDelayNanos(100 * MS));
        IoRequest first = request(volume, CMD_READ, 4096);
        IoRequest second = request(volume, CMD_READ, 4096);
        IoRequest flush = request(volume, CMD_FLUSH, 0);
        scheduler.submit(first);
        scheduler.submit(second);
        scheduler.submit(flush);
        assertThat(scheduler.tryNext()).isSameAs(first);
        // The limit would hold the second read for 0.9 s; the cap releases it after 0.1 s.
        assertThat(scheduler.tryNext()).isNull();
        clock.advance(100 * MS - 1);
        assertThat(scheduler.tryNext()).isNull();
        clock.advance(1);
        assertThat(scheduler.tryNext()).isSameAs(second);
        // FLUSH is never throttled; it only waited for its turn in the export's queue.
        assertThat(scheduler.tryNext()).isSameAs(flush);
        assertThat(volume.snapshot(0).read().throttledNanos()).isEqualTo(100 * MS);
        assertThat(volume.snapshot(0).read().queueDepth()).isEqualTo(2);
        assertThat(volume.snapshot(0).write().peakQueueDepth()).isEqualTo(1);
    }

    @Test
    void parametersChangeLiveAndIdempotentlyByVersion() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(2000));
        backlog(volume, 4096);
        run(1000 * MS);
        QosParameters slower = QosParameters.iopsLimit(500);
        assertThat(scheduler.apply(volume.id(), 0, slower)).isEqualTo(QosStatus.UNCHANGED);
        assertThat(scheduler.apply(volume.id(), 7, slower)).isEqualTo(QosStatus.APPLIED);
        assertThat(scheduler.apply(volume.id(), 7, QosParameters.UNLIMITED)).isEqualTo(QosStatus.UNCHANGED);
        assertThat(scheduler.apply(volume.id(), 6, QosParameters.UNLIMITED)).isEqualTo(QosStatus.STALE);
        assertThat(scheduler.apply(99, 8, slower)).isEqualTo(QosStatus.NO_SUCH_VOLUME);
        assertThat(scheduler.setting(volume.id())).isEqualTo(new QosSetting(7, slower));
        assertThat(run(1000 * MS)[0]).isEqualTo(500);
    }

    @Test
    void closingStopsAdmissionAndDrainsWithoutLimits() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(1));
        backlog(volume, 4096);
        assertThat(scheduler.tryNext()).isNotNull();
        assertThat(scheduler.tryNext()).isNull();
        scheduler.close();
        assertThat(scheduler.submit(request(volume, CMD_READ, 4096))).isFalse();
        for (int i = 1; i < QUEUE; i++) {
            assertThat(scheduler.next()).isNotNull();
            scheduler.finished();
        }
        assertThat(scheduler.next()).isNull();
    }

    @Test
    void aRequestAloneThatMayGoNowRunsOnTheThreadThatAdmittedIt() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.iopsLimit(1));
        assertThat(scheduler.admit(request(volume, CMD_READ, 4096), true)).isEqualTo(RequestScheduler.RUN);
        scheduler.finished();
        // The limit holds the next one back: it queues, and the scheduler releases it a second later.
        IoRequest held = request(volume, CMD_READ, 4096);
        assertThat(scheduler.admit(held, true)).isEqualTo(RequestScheduler.QUEUED);
        assertThat(scheduler.tryNext()).isNull();
        clock.advance(1000 * MS);
        assertThat(scheduler.tryNext()).isSameAs(held);
        assertThat(volume.snapshot(0).read().throttledNanos()).isEqualTo(1000 * MS);
    }

    @Test
    void aRequestQueuesBehindOthersAndWhenTheCallerCannotRunIt() throws InterruptedException {
        backend(0);
        Export volume = export(QosParameters.UNLIMITED);
        IoRequest first = request(volume, CMD_READ, 4096);
        assertThat(scheduler.admit(first, false)).isEqualTo(RequestScheduler.QUEUED);
        assertThat(scheduler.admit(request(volume, CMD_READ, 4096), true)).isEqualTo(RequestScheduler.QUEUED);
        assertThat(scheduler.tryNext()).isSameAs(first);
    }

    @Test
    void noMoreRequestsReachTheBackendThanItsQueueDepth() throws Exception {
        backend(0);
        Export volume = export(QosParameters.UNLIMITED);
        for (int i = 0; i < 4; i++) {
            assertThat(scheduler.admit(request(volume, CMD_READ, 4096), true)).isEqualTo(RequestScheduler.RUN);
        }
        IoRequest fifth = request(volume, CMD_READ, 4096);
        assertThat(scheduler.admit(fifth, true)).isEqualTo(RequestScheduler.QUEUED);
        AtomicReference<IoRequest> taken = new AtomicReference<>();
        Thread dispatcher = Thread.ofPlatform().start(() -> {
            try {
                taken.set(scheduler.next());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        dispatcher.join(200);
        assertThat(taken.get()).as("all four slots are taken").isNull();
        scheduler.finished();
        dispatcher.join(10_000);
        assertThat(taken.get()).isSameAs(fifth);
    }
}
