package io.sluice.gateway.export;

/**
 * The dispatch point between the connections and a backend: every parsed request is
 * {@link #submit submitted} here (its {@link IoRequest#export()} says for which export), and the
 * dispatcher threads of the exports' {@link BackendGroup} {@link #next take} requests from here when
 * it is their turn to reach the backend. This is where QoS decides the order and the
 * timing of requests; requests are held here, never delayed after the backend answered.
 *
 * <p>Admission is bounded: {@link #submit} blocks while the export's queue is full, which stops
 * the submitting connection from reading its socket, so the client feels TCP back-pressure.
 */
public interface RequestScheduler extends AutoCloseable {
    /**
     * Admits a request, waiting while its export's queue is full. Returns false when the scheduler
     * is closed; the caller then completes the request itself.
     */
    boolean submit(IoRequest request) throws InterruptedException;

    /** The next request to send to the backend, waiting for one; null once closed and drained. */
    IoRequest next() throws InterruptedException;

    /** Stops admitting; requests already queued are still handed out by {@link #next}. */
    @Override
    void close();
}
