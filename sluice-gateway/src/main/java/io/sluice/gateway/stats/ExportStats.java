package io.sluice.gateway.stats;

import static io.sluice.gateway.nbd.NbdDescriptor.CMD_BLOCK_STATUS;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_CACHE;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_READ;
import static io.sluice.gateway.nbd.NbdDescriptor.CMD_WRITE;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The statistics of one volume. READ, CACHE and BLOCK_STATUS are the read direction; every other command (WRITE, FLUSH,
 * TRIM, WRITE_ZEROES) is the write direction, with bytes counting only data actually transferred (READ and WRITE
 * payloads).
 */
public final class ExportStats {
    private final DirectionStats read = new DirectionStats();
    private final DirectionStats write = new DirectionStats();
    private final AtomicLong wonByWeight = new AtomicLong();
    private final AtomicLong wonByReservation = new AtomicLong();

    /** A request entered the export's queue. */
    public void admitted(int type) {
        direction(type).admitted();
    }

    /** The backend finished a request; times are {@link System#nanoTime()} stamps. */
    public void completed(int type, long length, long receivedNanos, long backendStartNanos, long backendEndNanos) {
        direction(type)
                .completed(
                        type == CMD_READ || type == CMD_WRITE ? length : 0,
                        backendEndNanos - receivedNanos,
                        backendEndNanos - backendStartNanos);
    }

    /** The volume's own limits held back a ready request of this type for {@code nanos}. */
    public void throttled(int type, long nanos) {
        direction(type).throttled(nanos);
    }

    /**
     * The scheduler sent one of this volume's requests by weight while another volume of its backend was ready too: the
     * decisions the weights make, whether or not clients keep the queues full.
     */
    public void wonByWeight() {
        wonByWeight.incrementAndGet();
    }

    /** As {@link #wonByWeight}, for a request sent because the volume was behind its reservation. */
    public void wonByReservation() {
        wonByReservation.incrementAndGet();
    }

    public synchronized VolumeStats snapshot(
            String name, int id, String backend, long qosVersion, long capacityBytes, long usedBytes) {
        return new VolumeStats(
                name,
                id,
                backend,
                qosVersion,
                capacityBytes,
                usedBytes,
                wonByWeight.get(),
                wonByReservation.get(),
                read.snapshot(),
                write.snapshot());
    }

    private DirectionStats direction(int type) {
        return type == CMD_READ || type == CMD_CACHE || type == CMD_BLOCK_STATUS ? read : write;
    }
}
