package io.sluice.db.ingest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of one minute (one part of it) not yet written to {@code minute_samples}: per volume, its samples as
 * {@link CompactSample}s in arrival order; and the batches that put them here. Guarded by {@link OpenMinutes}'s lock,
 * except {@link #segment}, which only the ingestion thread touches, and the content of a minute being written, which
 * nobody changes any more once {@link #writing} is set.
 */
final class OpenMinute {
    final long start;
    final long part;
    /** A part read back from the journal at start: it takes no new samples, so writing it again adds nothing. */
    final boolean replayed;

    boolean writing;
    long samples;
    final List<BatchKey> batches = new ArrayList<>();
    /** The minute's journal segment; the ingestion thread's alone. */
    MinuteSegment segment;

    private int[] volumeIds = new int[64];
    private Volume[] volumes = new Volume[64];
    private int volumeCount;

    OpenMinute(long start, long part, boolean replayed) {
        this.start = start;
        this.part = part;
        this.replayed = replayed;
    }

    /** Adds the fixed-layout sample at {@code buffer[offset]} of {@code volumeId}. */
    void add(int volumeId, ByteBuffer buffer, int offset) {
        Volume volume = volume(volumeId, true);
        volume.reserve(CompactSample.MAX_BYTES);
        volume.length = CompactSample.encode(buffer, offset, start, volume.bytes, volume.length);
        volume.count++;
        samples++;
    }

    /** The samples of {@code volumeId} held here, or null. */
    Volume volume(int volumeId) {
        return volume(volumeId, false);
    }

    /** The volumes in slot order: {@code volumeAt(0..capacity())}, nulls between. */
    Volume volumeAt(int slot) {
        return volumes[slot];
    }

    int capacity() {
        return volumes.length;
    }

    private Volume volume(int volumeId, boolean create) {
        int mask = volumes.length - 1;
        int slot = mix(volumeId) & mask;
        while (volumes[slot] != null) {
            if (volumeIds[slot] == volumeId) {
                return volumes[slot];
            }
            slot = (slot + 1) & mask;
        }
        if (!create) {
            return null;
        }
        if ((volumeCount + 1) * 2 > volumes.length) {
            grow();
            return volume(volumeId, true);
        }
        volumeIds[slot] = volumeId;
        volumes[slot] = new Volume(volumeId);
        volumeCount++;
        return volumes[slot];
    }

    private void grow() {
        Volume[] old = volumes;
        volumes = new Volume[old.length * 2];
        volumeIds = new int[old.length * 2];
        int mask = volumes.length - 1;
        for (Volume v : old) {
            if (v != null) {
                int slot = mix(v.volumeId) & mask;
                while (volumes[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                volumes[slot] = v;
                volumeIds[slot] = v.volumeId;
            }
        }
    }

    private static int mix(int volumeId) {
        int h = volumeId * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    boolean overlaps(long from, long to) {
        return start < to && start + 60_000L > from;
    }

    /** One volume's compact samples of the minute. */
    static final class Volume {
        final int volumeId;
        byte[] bytes = new byte[512];
        int length;
        int count;

        Volume(int volumeId) {
            this.volumeId = volumeId;
        }

        private void reserve(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    /** A batch by its deduplicating key. */
    record BatchKey(int source, long batchId) {}
}
