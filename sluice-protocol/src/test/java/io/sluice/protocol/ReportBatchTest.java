package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The batch of STATS frames the monitor posts to the services in one call: round trip, bounds, damage. */
class ReportBatchTest {
    private static final int CAPACITY = 16 * 1024;
    private final byte[] bytes = new byte[CAPACITY];
    private final MemorySegment staging = MemorySegment.ofArray(bytes);
    private final ReportBatchWriter writer = new ReportBatchWriter(ReportBatchDescriptor.MAX_ENTRIES).wrap(staging);
    private final ReportBatchReader reader = new ReportBatchReader();
    private final StatsWriter stats = new StatsWriter();
    private final StatsReader statsReader = new StatsReader();

    /** Appends a STATS frame of {@code volumes} volumes from gateway {@code gateway}; false when the batch is full. */
    private boolean append(ReportBatchWriter to, long gateway, long reportSequence, int volumes, boolean more) {
        int length = StatsDescriptor.frameLength(volumes);
        int offset = to.reserve(length);
        if (offset < 0) {
            return false;
        }
        ByteBuffer at = ByteBuffer.wrap(bytes, offset, length).slice();
        assertThat(stats.begin(at, 1, gateway, more, reportSequence, reportSequence * 10, 1_000, 1_000, volumes))
                .isTrue();
        for (int v = 0; v < volumes; v++) {
            stats.volume(v).volumeId(v + 1).capacityBytes(gateway * 100 + v);
        }
        stats.commit();
        return true;
    }

    private ByteBuffer sealed() {
        int length = writer.seal();
        return ByteBuffer.wrap(bytes, 0, length).slice();
    }

    /** gateway:reportSequence:volumes of each entry the reader takes, or the entry's error. */
    private List<String> read(ByteBuffer batch, int available) {
        List<String> out = new ArrayList<>();
        ReportBatchError error = reader.wrap(batch, available);
        if (error != null) {
            out.add(error.name());
            return out;
        }
        for (int i = 0; i < reader.entryCount(); i++) {
            ReportBatchError entry = reader.check(i);
            if (entry != null) {
                out.add(entry.name());
                continue;
            }
            statsReader.wrap(batch, reader.entryOffset(i));
            assertThat(statsReader.frameLength()).isEqualTo(reader.entryLength(i));
            out.add(statsReader.gatewayId() + ":" + statsReader.reportSequence() + ":" + statsReader.volumeCount()
                    + (statsReader.hasMore() ? "+" : ""));
        }
        return out;
    }

    @Test
    void entriesComeBackInOrderWithTheirBytes() {
        assertThat(append(writer, 7, 1, 1, false)).isTrue();
        assertThat(append(writer, 3, 9, 2, true)).isTrue();
        assertThat(append(writer, 3, 9, 1, false)).isTrue();
        assertThat(append(writer, 7, 2, 0, false)).isTrue();
        ByteBuffer batch = sealed();
        assertThat(batch.getInt(ReportBatchDescriptor.LENGTH_OFFSET))
                .isEqualTo(ReportBatchDescriptor.HEADER_LENGTH
                        + 2 * StatsDescriptor.frameLength(1)
                        + StatsDescriptor.frameLength(2)
                        + StatsDescriptor.frameLength(0)
                        + 4 * 4);
        assertThat(read(batch, batch.capacity())).containsExactly("7:1:1", "3:9:2+", "3:9:1", "7:2:0");
        statsReader.wrap(batch, reader.entryOffset(1));
        assertThat(statsReader.volume(1).volumeId()).isEqualTo(2);
        assertThat(statsReader.volume(1).capacityBytes()).isEqualTo(301);
    }

    @Test
    void aResetWriterStartsAnEmptyBatch() {
        append(writer, 1, 1, 1, false);
        writer.seal();
        writer.reset();
        assertThat(writer.isEmpty()).isTrue();
        append(writer, 2, 5, 1, false);
        ByteBuffer batch = sealed();
        assertThat(read(batch, batch.capacity())).containsExactly("2:5:1");
    }

    @Test
    void boundedInBytesWithRoomForTheIndex() {
        assertThat(writer.reserve(ReportBatchDescriptor.maxEntryLength(CAPACITY)))
                .isEqualTo(ReportBatchDescriptor.HEADER_LENGTH);
        assertThat(writer.reserve(0))
                .as("not even an empty entry: its index slot would not fit")
                .isEqualTo(-1);
        assertThat(writer.seal()).isEqualTo(CAPACITY);

        writer.reset();
        int maxVolumes = ReportBatchDescriptor.volumesPerEntry(CAPACITY);
        assertThat(append(writer, 1, 1, maxVolumes, false))
                .as("the largest STATS entry fits alone")
                .isTrue();
        assertThat(append(writer, 1, 1, 1, false))
                .as("with a one-volume entry after it, it would not")
                .isFalse();
        ByteBuffer batch = sealed();
        assertThat(batch.capacity()).isLessThanOrEqualTo(CAPACITY);
        assertThat(read(batch, batch.capacity())).containsExactly("1:1:" + maxVolumes);

        writer.reset();
        assertThat(writer.reserve(ReportBatchDescriptor.maxEntryLength(CAPACITY) + 1))
                .isEqualTo(-1);
        int appended = 0;
        while (append(writer, 1, appended + 1, 1, false)) {
            appended++;
        }
        int entry = StatsDescriptor.frameLength(1);
        assertThat(appended).isEqualTo((CAPACITY - ReportBatchDescriptor.HEADER_LENGTH) / (entry + 4));
        ByteBuffer full = sealed();
        assertThat(full.capacity()).isLessThanOrEqualTo(CAPACITY);
        assertThat(read(full, full.capacity()))
                .hasSize(appended)
                .doesNotContainAnyElementsOf(List.of(ReportBatchError.values()).stream()
                        .map(Enum::name)
                        .toList());
    }

    @Test
    void boundedInEntries() {
        ReportBatchWriter three = new ReportBatchWriter(3).wrap(staging);
        assertThat(append(three, 1, 1, 0, false)).isTrue();
        assertThat(append(three, 1, 2, 0, false)).isTrue();
        assertThat(append(three, 1, 3, 0, false)).isTrue();
        assertThat(append(three, 1, 4, 0, false)).isFalse();
        assertThat(three.count()).isEqualTo(3);
        assertThatThrownBy(() -> new ReportBatchWriter(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportBatchWriter(ReportBatchDescriptor.MAX_ENTRIES + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTruncatedBatchIsRefusedWhole() {
        append(writer, 1, 1, 1, false);
        append(writer, 2, 1, 1, false);
        ByteBuffer batch = sealed();
        int length = batch.capacity();
        for (int cut : new int[] {0, 3, ReportBatchDescriptor.HEADER_LENGTH, length / 2, length - 1}) {
            assertThat(read(batch, cut)).as("cut at %d", cut).containsExactly("TRUNCATED");
        }
        batch.putInt(ReportBatchDescriptor.LENGTH_OFFSET, 4);
        assertThat(read(batch, length)).containsExactly("TRUNCATED");
    }

    @Test
    void aBadHeaderIsRefusedWhole() {
        append(writer, 1, 1, 1, false);
        ByteBuffer batch = sealed();
        batch.putShort(ReportBatchDescriptor.VERSION_OFFSET, (short) 2);
        assertThat(read(batch, batch.capacity())).containsExactly("WRONG_VERSION");
        batch.putShort(ReportBatchDescriptor.VERSION_OFFSET, (short) ReportBatchDescriptor.VERSION);
        batch.putShort(ReportBatchDescriptor.COUNT_OFFSET, (short) 0);
        assertThat(read(batch, batch.capacity())).containsExactly("BAD_COUNT");
        batch.putShort(ReportBatchDescriptor.COUNT_OFFSET, (short) (ReportBatchDescriptor.MAX_ENTRIES + 1));
        assertThat(read(batch, batch.capacity())).containsExactly("BAD_COUNT");
        batch.putShort(ReportBatchDescriptor.COUNT_OFFSET, (short) 200);
        assertThat(read(batch, batch.capacity()))
                .as("an index longer than the batch")
                .containsExactly("BAD_COUNT");
    }

    @Test
    void aDamagedEntryIsRefusedAloneAndTheOthersAreRead() {
        for (int g = 1; g <= 5; g++) {
            append(writer, g, 10 + g, 1, false);
        }
        ByteBuffer batch = sealed();
        int second = writer.entryOffset(1);
        int third = writer.entryOffset(2);
        int fourth = writer.entryOffset(3);
        batch.putInt(second + StatsDescriptor.VOLUME_COUNT_OFFSET, 2);
        batch.put(third + FrameDescriptor.TYPE_OFFSET, (byte) FrameType.EVENT.code());
        batch.putInt(fourth + FrameDescriptor.LENGTH_OFFSET, 12);
        assertThat(read(batch, batch.capacity()))
                .containsExactly("1:11:1", "MALFORMED_STATS", "NOT_STATS", "LENGTH_MISMATCH", "5:15:1");
    }

    @Test
    void aDamagedIndexOffsetCostsTheTwoEntriesItSeparates() {
        for (int g = 1; g <= 4; g++) {
            append(writer, g, 1, 1, false);
        }
        ByteBuffer batch = sealed();
        int index = batch.capacity() - 4 * 4;
        int third = writer.entryOffset(2);
        batch.putInt(index + 2 * 4, 1 << 30);
        assertThat(read(batch, batch.capacity())).containsExactly("1:1:1", "BAD_OFFSET", "BAD_OFFSET", "4:1:1");
        batch.putInt(index + 2 * 4, 2);
        assertThat(read(batch, batch.capacity())).containsExactly("1:1:1", "BAD_OFFSET", "BAD_OFFSET", "4:1:1");
        batch.putInt(index + 2 * 4, third + 8);
        assertThat(read(batch, batch.capacity()))
                .as("in range, in order, but wrong")
                .containsExactly("1:1:1", "LENGTH_MISMATCH", "LENGTH_MISMATCH", "4:1:1");
    }

    @Test
    void randomDamageNeverThrows() {
        Random random = new Random(16);
        for (int round = 0; round < 2_000; round++) {
            writer.reset();
            int entries = 1 + random.nextInt(8);
            for (int e = 0; e < entries; e++) {
                append(writer, 1 + random.nextInt(3), e, random.nextInt(3), false);
            }
            ByteBuffer batch = sealed();
            for (int flips = random.nextInt(4); flips >= 0; flips--) {
                int at = random.nextInt(batch.capacity());
                batch.put(at, (byte) random.nextInt(256));
            }
            int available = random.nextBoolean() ? batch.capacity() : random.nextInt(batch.capacity() + 1);
            List<String> out = read(batch, available);
            assertThat(out).isNotEmpty().hasSizeLessThanOrEqualTo(ReportBatchDescriptor.MAX_ENTRIES);
        }
    }

    @Test
    void writingAndReadingAllocateNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer view = ByteBuffer.wrap(bytes);
        long checksum = 0;
        for (int i = 0; i < 20_000; i++) {
            checksum += cycle(view);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) {
            checksum += cycle(view);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(checksum).isNotZero();
        assertThat(allocated)
                .as("bytes allocated by 20,000 batches written and read")
                .isLessThan(1024);
    }

    private long cycle(ByteBuffer view) {
        writer.reset();
        for (int e = 0; e < 4; e++) {
            int offset = writer.reserve(StatsDescriptor.frameLength(0));
            view.putInt(offset + FrameDescriptor.LENGTH_OFFSET, StatsDescriptor.frameLength(0));
            view.put(offset + FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION);
            view.put(offset + FrameDescriptor.TYPE_OFFSET, (byte) FrameType.STATS.code());
            view.putLong(offset + FrameDescriptor.GATEWAY_ID_OFFSET, e + 1);
            view.putInt(offset + StatsDescriptor.VOLUME_COUNT_OFFSET, 0);
        }
        int length = writer.seal();
        long sum = 0;
        if (reader.wrap(view, length) == null) {
            for (int i = 0; i < reader.entryCount(); i++) {
                if (reader.check(i) == null) {
                    sum += statsReader.wrap(view, reader.entryOffset(i)).gatewayId();
                }
            }
        }
        return sum;
    }
}
