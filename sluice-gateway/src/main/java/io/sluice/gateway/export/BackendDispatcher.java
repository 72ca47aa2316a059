package io.sluice.gateway.export;

/**
 * A backend group's I/O threads: each takes the next request that waited in the {@link RequestScheduler}, runs it
 * ({@link Export#execute}) and hands it back to its connection. The number of threads is the group's queue depth toward
 * the backend; several threads keep several requests in flight, so requests complete out of order.
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
            threads[i] = Thread.ofPlatform()
                    .daemon()
                    .name("sluice-io-" + groupName + "-" + i)
                    .start(this::run);
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
                request.complete(request.export().execute(request));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
