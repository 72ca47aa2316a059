package io.sluice.testkit;

import io.sluice.protocol.Challenge;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.Peer;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** One gateway's connection to a {@link FakeMonitor}: touched by the monitor's selector thread alone. */
final class FakeConnection {
    final SocketChannel channel;
    final SelectionKey key;
    final FrameDecoder decoder =
            FrameDecoder.forConnection(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, 0);
    final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
    final Challenge challenge = new Challenge();
    long sequence = 1;
    long gatewayId;
    /** The ids VOLUME_IDS assigned, by position. */
    int[] volumeIds = new int[0];

    boolean inSession;
    boolean closeAfterFlush;

    FakeConnection(SocketChannel channel, SelectionKey key) {
        this.channel = channel;
        this.key = key;
    }
}
