package io.sluice.protocol;

import static io.sluice.protocol.VolumesDescriptor.*;

import java.nio.ByteBuffer;

/** Reads VOLUMES. Entries are read by index, {@code 0 <= index < volumeCount()}. */
public final class VolumesReader extends FrameReader {
    public VolumesReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public VolumesReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    public int volumeId(int index) {
        return VolumeDescriptor.id(buffer, entry(index));
    }

    public int volumeFlags(int index) {
        return VolumeDescriptor.flags(buffer, entry(index));
    }

    public long volumeCapacity(int index) {
        return VolumeDescriptor.capacity(buffer, entry(index));
    }

    public String volumeName(int index) {
        return VolumeDescriptor.name(buffer, entry(index));
    }

    private int entry(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return offset + volumeOffset(index);
    }
}
