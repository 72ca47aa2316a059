package io.sluice.monitor;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.FrameDecoder;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Copies the frame the decoder just returned into a mailbox slot. One per thread, reused. */
final class FrameCopy implements ParamWriter {
    private ByteBuffer buffer;
    private int offset;
    private int length;

    void of(FrameDecoder decoder) {
        this.buffer = decoder.buffer();
        this.offset = decoder.frameOffset();
        this.length = decoder.frameLength();
    }

    @Override
    public int write(MemorySegment region) {
        if (buffer.hasArray()) {
            MemorySegment.copy(MemorySegment.ofArray(buffer.array()), buffer.arrayOffset() + offset, region, 0, length);
        } else {
            // ofBuffer covers position..limit; a cleared duplicate covers the whole buffer.
            MemorySegment.copy(MemorySegment.ofBuffer(buffer.duplicate().clear()), offset, region, 0, length);
        }
        return length;
    }
}
