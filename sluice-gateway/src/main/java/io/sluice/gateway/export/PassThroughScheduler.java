package io.sluice.gateway.export;

/**
 * The scheduler without QoS: requests reach the backend in arrival order as soon as a dispatcher
 * thread is free. The bounded queue still gives every export its back-pressure.
 */
public final class PassThroughScheduler implements RequestScheduler {
    private final BoundedRequestQueue queue;

    public PassThroughScheduler(int queueDepth) {
        this.queue = new BoundedRequestQueue(queueDepth);
    }

    @Override
    public boolean submit(IoRequest request) throws InterruptedException {
        return queue.put(request);
    }

    @Override
    public IoRequest next() throws InterruptedException {
        return queue.take();
    }

    @Override
    public int queued() {
        return queue.size();
    }

    @Override
    public void close() {
        queue.close();
    }
}
