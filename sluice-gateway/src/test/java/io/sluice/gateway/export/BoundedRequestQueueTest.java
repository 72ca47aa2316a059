package io.sluice.gateway.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BoundedRequestQueueTest {
    private static IoRequest request() {
        return new IoRequest(r -> {});
    }

    @Test
    void aFullQueueHoldsThePutterUntilATakeMakesRoom() throws Exception {
        BoundedRequestQueue queue = new BoundedRequestQueue(2);
        IoRequest first = request();
        assertThat(queue.put(first)).isTrue();
        assertThat(queue.put(request())).isTrue();
        assertThat(queue.offer(request())).isFalse();

        AtomicBoolean admitted = new AtomicBoolean();
        Thread putter = Thread.ofPlatform().start(() -> {
            try {
                admitted.set(queue.put(request()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        putter.join(TimeUnit.MILLISECONDS.toMillis(200));
        assertThat(putter.isAlive())
                .as("put waits while full: this is the back-pressure")
                .isTrue();
        assertThat(queue.take()).isSameAs(first);
        putter.join(5_000);
        assertThat(admitted).isTrue();
        assertThat(queue.size()).isEqualTo(2);
    }

    @Test
    void closingReleasesWaitersAndLetsTakersDrain() throws Exception {
        BoundedRequestQueue queue = new BoundedRequestQueue(1);
        IoRequest queued = request();
        queue.put(queued);
        Thread putter = Thread.ofPlatform().start(() -> {
            try {
                assertThat(queue.put(request())).isFalse();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        queue.close();
        putter.join(5_000);
        assertThat(putter.isAlive()).isFalse();
        assertThat(queue.take()).isSameAs(queued);
        assertThat(queue.take()).isNull();
    }

    @Test
    void drainNowTakesEverythingQueuedUpToTheBatchWithoutWaiting() throws Exception {
        BoundedRequestQueue queue = new BoundedRequestQueue(4);
        IoRequest[] batch = new IoRequest[2];
        assertThat(queue.drainNow(batch)).as("empty: nothing, at once").isZero();
        IoRequest[] queued = {request(), request(), request()};
        for (IoRequest r : queued) {
            queue.put(r);
        }
        assertThat(queue.drainNow(batch)).isEqualTo(2);
        assertThat(batch).containsExactly(queued[0], queued[1]);
        assertThat(queue.drainNow(batch)).isEqualTo(1);
        assertThat(batch[0]).isSameAs(queued[2]);
        assertThat(queue.isEmpty()).isTrue();
    }
}
