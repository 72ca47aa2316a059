package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.StatsReader;
import io.sluice.sim.storage.SimulatedBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The batcher alone, driven by hand on a manual clock: whether the database manager's mailbox is attached is a flag of
 * this test, and "posting" a batch is {@link SampleBatcher#removeNext()}.
 */
class SampleBatcherTest {
    private static final long START = 1_700_000_000_000L;
    private final ManualEpochClock clock = new ManualEpochClock(START);
    private final SimulatedBackend backend = new SimulatedBackend(10_000, 200, 1);
    private final StatsReader stats = new StatsReader();
    private final List<Long> released = new ArrayList<>();
    private final List<Long> dropped = new ArrayList<>();
    private boolean attached;
    /** 4 samples a batch (one volume's report is 2), 2 sealed batches kept while absent, 4 while attached. */
    private final SampleBatcher batcher = new SampleBatcher(
            clock, 4, 2, 100, 3, () -> attached, released::add, (samples, waiting) -> dropped.add(samples));

    @Test
    void repliesAreHeldOnlyWhileAttachedAndReleasedWhenTheirBatchIsPosted() {
        backend.addVolume(1, 7L).demand(500);
        report();
        assertThat(batcher.holdReply(1)).as("nobody to post to: answer now").isFalse();
        attached = true;
        report();
        assertThat(batcher.holdReply(2)).isTrue();
        assertThat(batcher.next()).as("a half-full batch waits for its time").isNull();
        clock.advance(100);
        batcher.sealIfDue();
        assertThat(batcher.next().samples()).isEqualTo(4);
        assertThat(released).isEmpty();
        batcher.removeNext();
        assertThat(released).containsExactly(2L);
        assertThat(batcher.heldReplies()).isZero();
        assertThat(batcher.pendingSamples()).isZero();
    }

    @Test
    void atMostMaxHeldRepliesAreHeldAndADetachReleasesThemAll() {
        attached = true;
        backend.addVolume(1, 7L).demand(500);
        for (long handle = 1; handle <= 3; handle++) {
            report();
            assertThat(batcher.holdReply(handle)).isTrue();
        }
        report();
        assertThat(batcher.holdReply(4)).isFalse();
        attached = false;
        batcher.detached(List.of());
        assertThat(released).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(batcher.heldReplies()).isZero();
        assertThat(batcher.pendingSamples()).as("the samples still wait").isEqualTo(8);
    }

    @Test
    void theBoundIsDoubledWhileAttachedAndTheOldestGoFirst() {
        backend.addVolume(1, 7L).demand(500);
        backend.addVolume(2, 7L).demand(500);
        attached = true;
        for (int second = 0; second < 5; second++) {
            report();
        }
        assertThat(dropped).as("4 batches sealed: within twice the bound of 2").isEmpty();
        long oldest = batcher.next().batchId();
        clock.advance(100);
        batcher.sealIfDue();
        assertThat(dropped)
                .as("the fifth is one past twice the bound: the oldest batch goes")
                .containsExactly(4L);
        assertThat(batcher.next().batchId()).isGreaterThan(oldest);
        attached = false;
        batcher.detached(List.of());
        assertThat(dropped).as("absent: back to the bound of 2 batches").containsExactly(4L, 8L);
        assertThat(batcher.pendingSamples()).isEqualTo(2 * 4L);
    }

    /** One report of every volume, a second later. */
    private void report() {
        for (ByteBuffer frame : backend.step(clock.epochMillis(), 1_000).values()) {
            batcher.append(stats.wrap(frame, 0), volumeId -> 1_000L);
        }
        clock.advance(1_000);
    }
}
