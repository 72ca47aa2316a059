package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.CMD_READ;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.backend.FileBackend;
import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unthrottled scheduler: arrival order, and at most the group's queue depth at the backend, whoever runs them. */
class PassThroughSchedulerTest {
    @TempDir
    Path dir;

    private Export export(PassThroughScheduler scheduler, int slots) throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        return new Export("disk", 0, FileBackend.open(file, false), false, new BackendGroup("disk", scheduler, slots));
    }

    private static IoRequest read(Export export, long offset) {
        IoRequest request = new IoRequest(r -> {});
        request.set(export, offset, CMD_READ, 0, offset, 2, System.nanoTime());
        request.data(ByteBuffer.allocateDirect(2));
        return request;
    }

    @Test
    void aRequestRunsOnTheAdmittingThreadOnlyWhenNothingWaitsAndASlotIsFree() throws Exception {
        PassThroughScheduler scheduler = new PassThroughScheduler(8);
        Export export = export(scheduler, 2);
        IoRequest first = read(export, 0);
        assertThat(scheduler.admit(first, true)).isEqualTo(RequestScheduler.RUN);
        assertThat(export.execute(first)).isEqualTo(NbdError.OK);
        assertThat(first.data().flip().get(1)).isEqualTo((byte) 2);

        IoRequest queued = read(export, 2);
        assertThat(scheduler.admit(queued, false)).isEqualTo(RequestScheduler.QUEUED);
        IoRequest behind = read(export, 4);
        assertThat(scheduler.admit(behind, true))
                .as("another request waits: keep the order")
                .isEqualTo(RequestScheduler.QUEUED);
        assertThat(scheduler.next()).isSameAs(queued);
        assertThat(scheduler.next()).isSameAs(behind);
        // Both slots are taken now: even alone, a request waits for one.
        IoRequest third = read(export, 6);
        assertThat(scheduler.admit(third, true)).isEqualTo(RequestScheduler.QUEUED);
        AtomicReference<IoRequest> taken = new AtomicReference<>();
        Thread dispatcher = Thread.ofPlatform().start(() -> {
            try {
                taken.set(scheduler.next());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        dispatcher.join(200);
        assertThat(taken.get()).isNull();
        assertThat(export.execute(queued)).as("running it frees its slot").isEqualTo(NbdError.OK);
        dispatcher.join(10_000);
        assertThat(taken.get()).isSameAs(third);
        assertThat(export.snapshot(0).read().ops()).isEqualTo(2);
    }

    @Test
    void closingTurnsNewRequestsAwayAndDrainsTheQueued() throws Exception {
        PassThroughScheduler scheduler = new PassThroughScheduler(8);
        Export export = export(scheduler, 1);
        IoRequest queued = read(export, 0);
        assertThat(scheduler.admit(queued, false)).isEqualTo(RequestScheduler.QUEUED);
        scheduler.close();
        assertThat(scheduler.admit(read(export, 2), true)).isEqualTo(RequestScheduler.CLOSED);
        assertThat(scheduler.next()).isSameAs(queued);
        scheduler.finished();
        assertThat(scheduler.next()).isNull();
        assertThat(export.snapshot(0).read().queueDepth()).isEqualTo(1);
        export.close();
    }
}
