package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;

/**
 * The export's I/O threads: each takes the next request from the {@link RequestScheduler}, runs it
 * against the {@link Backend} and hands it back to its connection. Several threads keep several
 * requests in flight toward the backend, so requests complete out of order.
 */
final class ExportDispatcher {
    private final String exportName;
    private final RequestScheduler scheduler;
    private final Backend backend;
    private final Thread[] threads;

    ExportDispatcher(String exportName, RequestScheduler scheduler, Backend backend, int threadCount) {
        this.exportName = exportName;
        this.scheduler = scheduler;
        this.backend = backend;
        this.threads = new Thread[threadCount];
    }

    void start() {
        for (int i = 0; i < threads.length; i++) {
            threads[i] = Thread.ofPlatform().daemon().name("sluice-io-" + exportName + "-" + i).start(this::run);
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
                request.complete(execute(request));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int execute(IoRequest request) {
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
