package io.sluice.gateway.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;

/**
 * A channel whose every write is its gathering write: one buffer goes as an array of one, held here so that a reply
 * costs no allocation. Writes come from one thread at a time.
 */
abstract class GatheringChannel implements ByteChannel, GatheringByteChannel {
    private final ByteBuffer[] single = new ByteBuffer[1];

    @Override
    public final int write(ByteBuffer src) throws IOException {
        single[0] = src;
        try {
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    @Override
    public final long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }
}
