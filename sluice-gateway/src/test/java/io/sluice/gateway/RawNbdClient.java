package io.sluice.gateway;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A deliberately dumb NBD client for protocol tests: it sends exactly the bytes it is told to. */
final class RawNbdClient implements AutoCloseable {
    record OptionReply(int option, int type, byte[] data) {}

    record Reply(int magic, int flags, int type, long handle, int error, byte[] payload) {}

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    long exportSize;
    int transmissionFlags;
    boolean structured;

    RawNbdClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(5_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        // Buffered, so a message goes out in one write at its flush: a server that hangs up after a message's first
        // bytes (a TLS record expected, plaintext found) must not make the rest of it fail with a broken pipe.
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Reads the greeting and answers with the given client flags. */
    RawNbdClient greet(int clientFlags) throws IOException {
        assertThat(in.readLong()).isEqualTo(NBDMAGIC);
        assertThat(in.readLong()).isEqualTo(IHAVEOPT);
        assertThat(in.readUnsignedShort()).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        out.writeInt(clientFlags);
        out.flush();
        return this;
    }

    void option(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptionReply optionReply() throws IOException {
        assertThat(in.readLong()).isEqualTo(OPTION_REPLY_MAGIC);
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    static byte[] goData(String name, int... infoRequests) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infoRequests.length);
        b.putInt(n.length).put(n).putShort((short) infoRequests.length);
        for (int info : infoRequests) {
            b.putShort((short) info);
        }
        return b.array();
    }

    /** Fixed newstyle handshake with NBD_OPT_GO, optionally asking for structured replies first. */
    RawNbdClient go(String export, boolean structuredReplies) throws IOException {
        greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        if (structuredReplies) {
            option(OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(optionReply().type()).isEqualTo(REP_ACK);
            structured = true;
        }
        return enter(export);
    }

    /** NBD_OPT_GO after whatever options the caller negotiated itself (greeted already). */
    RawNbdClient enter(String export) throws IOException {
        option(OPT_GO, goData(export, INFO_BLOCK_SIZE));
        while (true) {
            OptionReply reply = optionReply();
            if (reply.type() == REP_ACK) {
                return this;
            }
            assertThat(reply.type()).as("reply to NBD_OPT_GO").isEqualTo(REP_INFO);
            ByteBuffer data = ByteBuffer.wrap(reply.data());
            if (data.getShort(0) == INFO_EXPORT) {
                exportSize = data.getLong(2);
                transmissionFlags = data.getShort(10) & 0xFFFF;
            }
        }
    }

    /** NBD_OPT_LIST/SET_META_CONTEXT data: export name, then the queries. */
    static byte[] metaContextData(String export, String... queries) {
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        int length = 4 + n.length + 4;
        for (String query : queries) {
            length += 4 + query.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putInt(n.length).put(n).putInt(queries.length);
        for (String query : queries) {
            byte[] q = query.getBytes(StandardCharsets.UTF_8);
            b.putInt(q.length).put(q);
        }
        return b.array();
    }

    void request(int flags, int type, long handle, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One reply; for a simple reply to a successful READ pass the length to read its data. */
    Reply reply(int simpleReadLength) throws IOException {
        int magic = in.readInt();
        if (magic == SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long handle = in.readLong();
            byte[] data = new byte[error == 0 ? simpleReadLength : 0];
            in.readFully(data);
            return new Reply(magic, 0, 0, handle, error, data);
        }
        assertThat(magic).as("reply magic").isEqualTo(STRUCTURED_REPLY_MAGIC);
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long handle = in.readLong();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        int error = (type & 0x8000) != 0 ? ByteBuffer.wrap(payload).getInt(0) : 0;
        return new Reply(magic, flags, type, handle, error, payload);
    }

    byte[] read(long offset, int length) throws IOException {
        request(0, CMD_READ, 1, offset, length, null);
        Reply reply = reply(length);
        assertThat(reply.error()).as("read error").isZero();
        return structured ? Arrays.copyOfRange(reply.payload(), 8, reply.payload().length) : reply.payload();
    }

    void write(long offset, byte[] data) throws IOException {
        request(0, CMD_WRITE, 2, offset, data.length, data);
        assertThat(reply(0).error()).as("write error").isZero();
    }

    /** Whether the server hung up: the next read sees end of stream or a reset, not a timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // Drain whatever was sent before the hang-up.
            }
            return true;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
