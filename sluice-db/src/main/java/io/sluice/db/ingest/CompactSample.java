package io.sluice.db.ingest;

import static io.sluice.protocol.SampleBatchDescriptor.*;

import io.sluice.protocol.LatencyBuckets;
import java.nio.ByteBuffer;

/**
 * A sample as an open minute holds it in memory: the fields of its fixed layout but the volume id (the minute keeps
 * each volume's samples apart) as zigzag varints, the interval start relative to the minute. A typical sample takes 45
 * to 60 bytes against 168, most latency buckets being 0 (one byte each), so ten thousand volumes' two directions fill a
 * minute with about 70 MB rather than 200.
 */
final class CompactSample {
    /** The most bytes one sample can take: 34 fields of at most 10 bytes. */
    static final int MAX_BYTES = 34 * 10;

    private CompactSample() {}

    /**
     * Encodes the fixed-layout sample at {@code in[offset]} into {@code out} from {@code position}; returns the end.
     */
    static int encode(ByteBuffer in, int offset, long minute, byte[] out, int position) {
        int p = put(out, position, in.getInt(offset + DIRECTION_OFFSET));
        p = put(out, p, in.getLong(offset + GATEWAY_ID_OFFSET));
        p = put(out, p, in.getLong(offset + INTERVAL_START_OFFSET) - minute);
        p = put(out, p, in.getInt(offset + INTERVAL_LENGTH_OFFSET));
        p = put(out, p, in.getInt(offset + QUEUE_DEPTH_OFFSET));
        for (int field = OPS_OFFSET; field <= IOPS_LIMIT_OFFSET; field += Long.BYTES) {
            p = put(out, p, in.getLong(offset + field));
        }
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            p = put(out, p, in.getInt(offset + BUCKETS_OFFSET + b * 4));
        }
        return p;
    }

    private static int put(byte[] out, int position, long value) {
        long v = (value << 1) ^ (value >> 63);
        int p = position;
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    /** Decodes samples back into the fixed layout; one per thread that reads, reused sample after sample. */
    static final class Reader {
        private byte[] in;
        private int position;

        Reader wrap(byte[] bytes, int from) {
            this.in = bytes;
            this.position = from;
            return this;
        }

        int position() {
            return position;
        }

        /** Writes the next sample, of {@code volumeId} in the minute at {@code minute}, to {@code out[offset]}. */
        void next(int volumeId, long minute, ByteBuffer out, int offset) {
            out.putInt(offset + VOLUME_ID_OFFSET, volumeId);
            out.putInt(offset + DIRECTION_OFFSET, (int) take());
            out.putLong(offset + GATEWAY_ID_OFFSET, take());
            out.putLong(offset + INTERVAL_START_OFFSET, minute + take());
            out.putInt(offset + INTERVAL_LENGTH_OFFSET, (int) take());
            out.putInt(offset + QUEUE_DEPTH_OFFSET, (int) take());
            for (int field = OPS_OFFSET; field <= IOPS_LIMIT_OFFSET; field += Long.BYTES) {
                out.putLong(offset + field, take());
            }
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                out.putInt(offset + BUCKETS_OFFSET + b * 4, (int) take());
            }
        }

        private long take() {
            long v = 0;
            int shift = 0;
            byte b;
            do {
                b = in[position++];
                v |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            return (v >>> 1) ^ -(v & 1);
        }
    }
}
