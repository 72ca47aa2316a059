package io.sluice.gateway.export;

/**
 * The dispatch point between the connections and a backend: every parsed request is {@link #admit admitted} here (its
 * {@link IoRequest#export()} says for which export), and either runs at once on the thread that admitted it or waits
 * here until a dispatcher thread of the exports' {@link BackendGroup} {@link #next takes} it. This is where QoS decides
 * the order and the timing of requests; requests are held here, never delayed after the backend answered.
 *
 * <p>At most {@link #backendSlots} requests are at the backend at once, whoever runs them: each {@link #admit} answered
 * {@link #RUN} and each {@link #next} takes a slot, and {@link #finished} gives it back. A request runs at once only
 * when it would have been the very next one a dispatcher took: nothing else of the group is waiting, a slot is free and
 * its export's limits let it go now.
 *
 * <p>Admission is bounded: {@link #admit} blocks while the export's queue is full, which stops the submitting
 * connection from reading its socket, so the client feels TCP back-pressure.
 */
public interface RequestScheduler extends AutoCloseable {
    /** Queued: a dispatcher thread will take it. */
    int QUEUED = 0;
    /** Admitted with a backend slot: the caller runs it now ({@link Export#execute}), which frees the slot. */
    int RUN = 1;
    /** The scheduler is closed; the caller completes the request itself. */
    int CLOSED = 2;

    /** How many requests may be at the backend at once (the group's queue depth); set before any request. */
    void backendSlots(int slots);

    /**
     * Admits a request, waiting while its export's queue is full; {@link #RUN} only when {@code mayRun} (the caller can
     * run it now without holding up others), else {@link #QUEUED} or {@link #CLOSED}.
     */
    int admit(IoRequest request, boolean mayRun) throws InterruptedException;

    /** Admits a request for a dispatcher thread; false when the scheduler is closed. */
    default boolean submit(IoRequest request) throws InterruptedException {
        return admit(request, false) != CLOSED;
    }

    /** The next request to send to the backend, with its slot, waiting for one; null once closed and drained. */
    IoRequest next() throws InterruptedException;

    /** A request that {@link #next} or {@link #admit} let go has left the backend: its slot is free. */
    void finished();

    /** Stops admitting; requests already queued are still handed out by {@link #next}. */
    @Override
    void close();
}
