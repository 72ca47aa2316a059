package io.sluice.protocol;

import static io.sluice.protocol.VolumeIdsDescriptor.*;

import java.nio.ByteBuffer;

/** Reads VOLUME_IDS. */
public final class VolumeIdsReader extends FrameReader {
    public VolumeIdsReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public VolumeIdsReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    /** The id the server assigned to VOLUMES' entry {@code index}. */
    public int volumeId(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return buffer.getInt(offset + VOLUME_IDS_OFFSET + 4 * index);
    }
}
