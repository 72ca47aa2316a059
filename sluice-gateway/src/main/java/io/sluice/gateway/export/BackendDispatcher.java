package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;

/**
 * A backend group's I/O threads: each takes the next request from the {@link RequestScheduler},
 * runs it against its export's {@link Backend}, records it in the export's statistics and hands
 * it back to its connection. The number of threads is the group's queue depth toward the backend;
 * several threads keep several requests in flight, so requests complete out of order.
 */
final class BackendDispatcher {
    private final String groupName;
    private final RequestScheduler scheduler;
    private final Thread[] threads;

    BackendDispatcher(String groupName, RequestScheduler scheduler, int threadCount) {
        this.groupName = groupName;
        this.scheduler = scheduler;
        this.threads = new Thread[threadCount];
    }

    void start() {
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofPlatform().daemon().name("sluice-io-" + groupName + "-" + i).start(this::run);
        }
    }

    /** Waits until the threads drained the (closed) scheduler. */
    void join() throws InterruptedException {
        for (Thread thread : threads) {
            if (thread != null) {
                thread.join();
            }
        }
    }

    private void run() {
        try {
            IoRequest request;
            while ((request = scheduler.next()) != null) {
                long start = System.nanoTime();
                int error = execute(request.export().backend(), request);
                // Read everything needed before complete(): the connection may reuse the slot at once.
                request.export().stats().completed(request.type(), request.length(), request.receivedNanos(),
                        start, System.nanoTime());
                request.complete(error);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int execute(Backend backend, IoRequest request) {
        boolean fua = (request.flags() & CMD_FLAG_FUA) != 0;
        ByteBuffer data = request.data();
        try {
            return switch (request.type()) {
                case CMD_READ -> backend.read(request.offset(), data);
                case CMD_WRITE -> backend.write(request.offset(), data, fua);
                case CMD_FLUSH -> backend.flush();
                case CMD_TRIM -> backend.trim(request.offset(), request.length(), fua);
                case CMD_WRITE_ZEROES -> backend.writeZeroes(request.offset(), request.length(), fua);
                default -> NbdError.EINVAL;
            };
        } catch (RuntimeException e) {
            // A backend bug must cost one request, not the dispatcher thread.
            return NbdError.EIO;
        }
    }
}
