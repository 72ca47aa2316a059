package io.sluice.protocol;

import static io.sluice.protocol.FrameDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Base of the per-type writers. A frame is written in place at the destination's position: {@code begin} checks that it
 * fits, zeroes it and writes the header; the type's setters fill the body; {@link #commit()} moves the destination's
 * position past it. A frame that does not fit is not started and the buffer is left as it was, so the caller can flush
 * and try again. Nothing is allocated. A writer holds the frame it is writing, so each thread keeps its own writers and
 * reuses them frame after frame.
 */
public abstract class FrameWriter {
    ByteBuffer buffer;
    int offset;
    private int length;

    FrameWriter() {}

    /** Starts a frame; false (nothing written) when {@code dst} has less than {@code frameLength} bytes left. */
    final boolean begin(ByteBuffer dst, FrameType type, long frameLength, int flags, long sequence, long gatewayId) {
        if (dst.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("frames are big-endian; the buffer is " + dst.order());
        }
        if (gatewayId == 0) {
            throw new IllegalArgumentException("gateway id 0 is not a gateway");
        }
        if (frameLength > MAX_FRAME_LENGTH_LIMIT) {
            throw new IllegalArgumentException("a " + frameLength + "-byte frame is above every receiver's limit");
        }
        if (frameLength > dst.remaining()) {
            return false;
        }
        buffer = dst;
        offset = dst.position();
        length = (int) frameLength;
        zero(dst, offset, length);
        dst.putInt(offset + LENGTH_OFFSET, length);
        dst.put(offset + VERSION_OFFSET, (byte) PROTOCOL_VERSION);
        dst.put(offset + TYPE_OFFSET, (byte) type.code());
        dst.putShort(offset + FLAGS_OFFSET, (short) flags);
        dst.putLong(offset + SEQUENCE_OFFSET, sequence);
        dst.putLong(offset + GATEWAY_ID_OFFSET, gatewayId);
        return true;
    }

    /** Ends the frame begun last: advances the destination's position past it and returns its length. */
    public final int commit() {
        if (buffer == null) {
            throw new IllegalStateException("no frame begun");
        }
        buffer.position(offset + length);
        buffer = null;
        return length;
    }

    static long nonNegative(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count: " + count);
        }
        return count;
    }

    /**
     * Where entry {@code index} of a frame begun and not yet committed starts, its count being at {@code countOffset}.
     */
    final int entryOffset(int index, int countOffset, int entriesOffset, int entryLength) {
        if (buffer == null) {
            throw new IllegalStateException("no frame begun");
        }
        int count = buffer.getInt(offset + countOffset);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("index " + index + " of " + count);
        }
        return offset + entriesOffset + index * entryLength;
    }

    private static void zero(ByteBuffer dst, int from, int length) {
        if (dst.hasArray()) {
            int start = dst.arrayOffset() + from;
            Arrays.fill(dst.array(), start, start + length, (byte) 0);
            return;
        }
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            dst.putLong(from + i, 0L);
        }
        for (; i < length; i++) {
            dst.put(from + i, (byte) 0);
        }
    }
}
