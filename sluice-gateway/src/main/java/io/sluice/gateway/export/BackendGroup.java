package io.sluice.gateway.export;

/**
 * The exports that share one backend (one disk, one array, one upstream target): one {@link RequestScheduler} decides
 * among their requests and lets at most the backend's queue depth of them reach it at once: run by the connection that
 * read one when nothing else waits, otherwise carried by one set of dispatcher threads, as many as that queue depth. In
 * unthrottled mode every export is a group of its own.
 */
public final class BackendGroup implements AutoCloseable {
    private final String name;
    private final RequestScheduler scheduler;
    private final BackendDispatcher dispatcher;

    public BackendGroup(String name, RequestScheduler scheduler, int queueDepth) {
        this.name = name;
        this.scheduler = scheduler;
        scheduler.backendSlots(queueDepth);
        this.dispatcher = new BackendDispatcher(name, scheduler, queueDepth);
    }

    public String name() {
        return name;
    }

    public RequestScheduler scheduler() {
        return scheduler;
    }

    void start() {
        dispatcher.start();
    }

    /** Stops admitting requests and waits until the dispatchers drained what was admitted. */
    @Override
    public void close() {
        scheduler.close();
        try {
            dispatcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
