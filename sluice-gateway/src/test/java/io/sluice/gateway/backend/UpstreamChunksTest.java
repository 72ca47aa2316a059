package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.nbd.NbdError;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream backend against a scripted NBD server on loopback that answers with the structured replies real servers
 * may send but nbdkit and qemu-nbd rarely do: data chunks out of order, holes, an error chunk followed by NONE,
 * descriptors reaching past the request, a reply that covers only part of a READ, and a chunk type the protocol does
 * not know (which ends the connection).
 */
class UpstreamChunksTest {
    private static final long SIZE = 1 << 20;
    private static final int CONTEXT = 7;

    private ServerSocket server;
    private Thread upstream;
    private UpstreamNbdBackend backend;

    @BeforeEach
    void start() throws Exception {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        upstream = Thread.ofPlatform().daemon().start(this::serve);
        backend = UpstreamNbdBackend.connect(new UpstreamAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), "disk"));
    }

    @AfterEach
    void stop() throws Exception {
        backend.close();
        server.close();
        upstream.join(10_000);
    }

    /** Serves one connection after another: the backend reconnects after one breaks. */
    private void serve() {
        while (!server.isClosed()) {
            serveOne();
        }
    }

    private void serveOne() {
        try (Socket socket = server.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeLong(NBDMAGIC);
            out.writeLong(IHAVEOPT);
            out.writeShort(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            out.flush();
            in.readInt();
            while (negotiate(in, out)) {
                // One option at a time until NBD_OPT_GO.
            }
            while (true) {
                if (in.readInt() != REQUEST_MAGIC) {
                    return;
                }
                in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long handle = in.readLong();
                long offset = in.readLong();
                int length = in.readInt();
                if (type == CMD_DISC) {
                    return;
                }
                answer(out, type, handle, offset, length);
                out.flush();
            }
        } catch (IOException e) {
            // The backend hung up: the script is over.
        }
    }

    /** Answers one option; false once NBD_OPT_GO was answered. */
    private static boolean negotiate(DataInputStream in, DataOutputStream out) throws IOException {
        in.readLong();
        int option = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        switch (option) {
            case OPT_STRUCTURED_REPLY -> optionReply(out, option, REP_ACK, new byte[0]);
            case OPT_SET_META_CONTEXT -> {
                byte[] name = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
                optionReply(
                        out,
                        option,
                        REP_META_CONTEXT,
                        ByteBuffer.allocate(4 + name.length)
                                .putInt(CONTEXT)
                                .put(name)
                                .array());
                optionReply(out, option, REP_ACK, new byte[0]);
            }
            case OPT_GO -> {
                int flags = FLAG_HAS_FLAGS
                        | FLAG_SEND_FLUSH
                        | FLAG_SEND_WRITE_ZEROES
                        | FLAG_SEND_FAST_ZERO
                        | FLAG_SEND_CACHE;
                optionReply(
                        out,
                        option,
                        REP_INFO,
                        ByteBuffer.allocate(12)
                                .putShort((short) INFO_EXPORT)
                                .putLong(SIZE)
                                .putShort((short) flags)
                                .array());
                optionReply(out, option, REP_ACK, new byte[0]);
                out.flush();
                return false;
            }
            default -> optionReply(out, option, REP_ERR_UNSUP, new byte[0]);
        }
        out.flush();
        return true;
    }

    private static void optionReply(DataOutputStream out, int option, int type, byte[] data) throws IOException {
        out.writeLong(OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
    }

    private static void chunk(DataOutputStream out, int flags, int type, long handle, byte[] payload)
            throws IOException {
        out.writeInt(STRUCTURED_REPLY_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeInt(payload.length);
        out.write(payload);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) seed);
        return data;
    }

    /** The script: what the upstream answers depends on the request's offset. */
    private static void answer(DataOutputStream out, int type, long handle, long offset, int length)
            throws IOException {
        if (type == CMD_BLOCK_STATUS) {
            // Half a hole, then data that reaches past the end of the request.
            chunk(
                    out,
                    REPLY_FLAG_DONE,
                    REPLY_TYPE_BLOCK_STATUS,
                    handle,
                    ByteBuffer.allocate(4 + 16)
                            .putInt(CONTEXT)
                            .putInt(length / 2)
                            .putInt(STATE_HOLE | STATE_ZERO)
                            .putInt(length)
                            .putInt(0)
                            .array());
        } else if (offset == 0) {
            // The second half first, then the first half as a hole.
            int half = length / 2;
            chunk(
                    out,
                    0,
                    REPLY_TYPE_OFFSET_DATA,
                    handle,
                    ByteBuffer.allocate(8 + half)
                            .putLong(offset + half)
                            .put(pattern(half, 0x5a))
                            .array());
            chunk(
                    out,
                    REPLY_FLAG_DONE,
                    REPLY_TYPE_OFFSET_HOLE,
                    handle,
                    ByteBuffer.allocate(12).putLong(offset).putInt(half).array());
        } else if (offset == 65536) {
            byte[] message = "no".getBytes(StandardCharsets.US_ASCII);
            chunk(
                    out,
                    0,
                    REPLY_TYPE_ERROR,
                    handle,
                    ByteBuffer.allocate(6 + message.length)
                            .putInt(NbdError.EPERM)
                            .putShort((short) message.length)
                            .put(message)
                            .array());
            chunk(out, REPLY_FLAG_DONE, REPLY_TYPE_NONE, handle, new byte[0]);
        } else if (offset == 131072) {
            chunk(
                    out,
                    REPLY_FLAG_DONE,
                    REPLY_TYPE_OFFSET_DATA,
                    handle,
                    ByteBuffer.allocate(8 + length / 2)
                            .putLong(offset)
                            .put(pattern(length / 2, 1))
                            .array());
        } else {
            chunk(out, REPLY_FLAG_DONE, 99, handle, new byte[0]);
        }
    }

    @Test
    void chunksOutOfOrderAndHolesFillTheBufferInPlace() {
        ByteBuffer dst = ByteBuffer.wrap(pattern(8192, 0xff));
        assertThat(backend.read(0, dst)).isEqualTo(NbdError.OK);
        assertThat(dst.position()).as("filled up to its limit").isEqualTo(8192);
        assertThat(Arrays.copyOfRange(dst.array(), 0, 4096)).isEqualTo(new byte[4096]);
        assertThat(Arrays.copyOfRange(dst.array(), 4096, 8192)).isEqualTo(pattern(4096, 0x5a));
    }

    @Test
    void anErrorChunkFailsTheRequestAndTheConnectionGoesOn() {
        assertThat(backend.read(65536, ByteBuffer.allocate(4096))).isEqualTo(NbdError.EPERM);
        assertThat(backend.read(0, ByteBuffer.allocate(8192))).isEqualTo(NbdError.OK);
    }

    @Test
    void blockStatusIsCopiedAndCutToTheRequest() {
        assertThat(backend.canCache()).isTrue();
        assertThat(backend.canFastZero()).isTrue();
        ByteBuffer extents = ByteBuffer.allocate(4 * EXTENT_LENGTH);
        assertThat(backend.blockStatus(0, 65536, extents)).isEqualTo(NbdError.OK);
        extents.flip();
        assertThat(extents.getInt()).isEqualTo(32768);
        assertThat(extents.getInt()).isEqualTo(STATE_HOLE | STATE_ZERO);
        assertThat(extents.getInt()).as("cut to the requested 64 KiB").isEqualTo(32768);
        assertThat(extents.getInt()).isZero();
        assertThat(extents.hasRemaining()).isFalse();
    }

    @Test
    void aReadThatIsNotCoveredIsAnErrorAndAnUnknownChunkEndsTheConnection() {
        assertThat(backend.read(131072, ByteBuffer.allocate(4096))).isEqualTo(NbdError.EIO);
        assertThat(backend.read(0, ByteBuffer.allocate(8192)))
                .as("still connected")
                .isEqualTo(NbdError.OK);
        assertThat(backend.read(262144, ByteBuffer.allocate(4096)))
                .as("garbage is not sent again")
                .isEqualTo(NbdError.EIO);
        ByteBuffer next = ByteBuffer.allocate(8192);
        assertThat(backend.read(0, next))
                .as("the next request goes out on a new connection")
                .isEqualTo(NbdError.OK);
        assertThat(Arrays.copyOfRange(next.array(), 4096, 8192)).isEqualTo(pattern(4096, 0x5a));
    }
}
