package io.sluice.gateway.export;

/**
 * The scheduler without QoS (the gateway's "unthrottled" mode): one export's requests reach the
 * backend in arrival order as soon as a dispatcher thread is free. The bounded queue still gives
 * the export its back-pressure.
 */
public final class PassThroughScheduler implements RequestScheduler {
    private final BoundedRequestQueue queue;

    public PassThroughScheduler(int queueDepth) {
        this.queue = new BoundedRequestQueue(queueDepth);
    }

    @Override
    public boolean submit(IoRequest request) throws InterruptedException {
        // Counted before the put: once queued, a dispatcher may finish it at any moment.
        request.export().stats().admitted(request.type());
        if (queue.put(request)) {
            return true;
        }
        request.export().stats().withdrawn(request.type());
        return false;
    }

    @Override
    public IoRequest next() throws InterruptedException {
        return queue.take();
    }

    @Override
    public void close() {
        queue.close();
    }
}
