package io.sluice.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void buffersAreReusedBySizeClass() throws Exception {
        BufferPool pool = new BufferPool(1 << 20, 4 << 20, 8, new MemoryBudget(64 << 20));
        ByteBuffer first = pool.acquire(5000);
        assertThat(first.capacity()).isEqualTo(8192);
        assertThat(first.position()).isZero();
        assertThat(first.limit()).isEqualTo(5000);
        pool.release(first);
        assertThat(pool.acquire(8192)).isSameAs(first);
        assertThat(pool.acquire(1).capacity()).isEqualTo(4096);
    }

    @Test
    void aSpentBudgetDropsIdleBuffersOfOtherSizes() throws Exception {
        BufferPool pool = new BufferPool(1 << 20, 1 << 20, 8, new MemoryBudget(64 << 20));
        ByteBuffer small = pool.acquire(4096);
        pool.release(small);
        ByteBuffer large = pool.acquire(1 << 20);
        assertThat(large.capacity()).isEqualTo(1 << 20);
        assertThat(pool.reserved()).isEqualTo(1 << 20);
    }

    @Test
    void aSpentBudgetMakesTheReaderWaitForARelease() throws Exception {
        BufferPool pool = new BufferPool(1 << 20, 1 << 20, 8, new MemoryBudget(64 << 20));
        ByteBuffer held = pool.acquire(1 << 20);
        AtomicReference<ByteBuffer> got = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                got.set(pool.acquire(4096));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        reader.join(200);
        assertThat(reader.isAlive())
                .as("waits: the connection stops reading its socket")
                .isTrue();
        pool.release(held);
        reader.join(5_000);
        assertThat(got.get()).isNotNull();
        assertThat(pool.reserved()).isLessThanOrEqualTo(1 << 20);
    }

    @Test
    void theGatewayWideBudgetIsSharedAndReturnedOnClose() throws Exception {
        MemoryBudget shared = new MemoryBudget(1 << 20);
        BufferPool first = new BufferPool(1 << 20, 1 << 20, 8, shared);
        BufferPool second = new BufferPool(1 << 20, 1 << 20, 8, shared);
        ByteBuffer held = first.acquire(1 << 20);
        AtomicReference<ByteBuffer> got = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                got.set(second.acquire(4096));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        reader.join(200);
        assertThat(reader.isAlive())
                .as("the other connection waits for gateway memory")
                .isTrue();
        first.release(held);
        first.close();
        reader.join(5_000);
        assertThat(got.get()).isNotNull();
        assertThat(shared.used()).isEqualTo(4096);
    }
}
