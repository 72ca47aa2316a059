package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.Peer;
import io.sluice.protocol.ReportBatchDescriptor;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.StatsWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A STATS frame larger than a services slot, posted as parts that each decode as a STATS frame of their own. */
class StatsPartTest {
    private static final long GATEWAY = 42;

    @ParameterizedTest
    @CsvSource({"1, false", "6, false", "7, false", "1000, false", "13, true"})
    void partsCarryEveryVolumeOnceAndOnlyTheLastEndsTheReport(int volumes, boolean frameHasMore) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(volumes));
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, 5, GATEWAY, frameHasMore, 77, 9, 1_000_000, 1_000, volumes);
        for (int i = 0; i < volumes; i++) {
            writer.volume(i).volumeId(10_000 + i).ops(IoDirection.READ, i);
        }
        writer.commit();
        int perPart = ReportBatchDescriptor.volumesPerEntry(1920);
        StatsPart part = new StatsPart();
        StatsReader reader = new StatsReader();
        List<Integer> seen = new ArrayList<>();
        List<Boolean> more = new ArrayList<>();
        for (int first = 0; first < volumes; first += perPart) {
            int count = Math.min(perPart, volumes - first);
            part.of(frame, 0, first, count, frameHasMore || first + count < volumes);
            MemorySegment slot = MemorySegment.ofArray(new byte[1920]);
            int length = part.write(slot);
            assertThat(length).isEqualTo(part.length()).isLessThanOrEqualTo(1920);
            // Each part is a whole, valid STATS frame: the services read it as one.
            FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, 4096, 4096, GATEWAY);
            decoder.feed(ByteBuffer.wrap(slot.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE))
                    .putLong(8, 1));
            assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
            reader.wrap(decoder);
            assertThat(reader.reportSequence()).isEqualTo(77);
            assertThat(reader.intervalMillis()).isEqualTo(1_000);
            assertThat(reader.volumeCount()).isEqualTo(count);
            for (int i = 0; i < count; i++) {
                seen.add(reader.volume(i).volumeId());
                assertThat(reader.volume(i).ops(IoDirection.READ))
                        .isEqualTo(reader.volume(i).volumeId() - 10_000);
            }
            more.add(reader.hasMore());
        }
        assertThat(seen).hasSize(volumes).doesNotHaveDuplicates();
        assertThat(seen.getFirst()).isEqualTo(10_000);
        assertThat(more.subList(0, more.size() - 1)).doesNotContain(false);
        assertThat(more.getLast()).isEqualTo(frameHasMore);
    }
}
