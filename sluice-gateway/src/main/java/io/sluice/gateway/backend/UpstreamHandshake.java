package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.tls.TlsChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The client side of the fixed newstyle handshake, used to reach an upstream export: NBD_OPT_STARTTLS first when TLS is
 * wanted (a refusal is an error: never fall back to plaintext), then structured replies and the base:allocation
 * metadata context where the upstream offers them (so block status can be passed through), then NBD_OPT_GO asking for
 * block sizes, falling back to NBD_OPT_EXPORT_NAME for servers without NBD_OPT_GO.
 */
final class UpstreamHandshake {
    /**
     * What the upstream server agreed to. Block sizes are the protocol defaults when it sent none;
     * {@code allocationContext} is the id it gave base:allocation, or -1 when it gave none.
     */
    record Result(
            long size,
            int flags,
            int minimumBlock,
            int preferredBlock,
            long maximumBlock,
            boolean structuredReplies,
            long allocationContext) {
        boolean blockStatus() {
            return allocationContext >= 0;
        }
    }

    private static final int MAX_REPLY_LENGTH = 64 * 1024;

    /** Starts TLS on the connection once the upstream agreed to. */
    interface TlsStart {
        TlsChannel start() throws IOException;
    }

    private ByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(OPTION_REPLY_HEADER_LENGTH + MAX_REPLY_LENGTH);

    UpstreamHandshake(ByteChannel channel) {
        this.channel = channel;
    }

    /** The channel transmission goes on: the one given, or the TLS session started on it. */
    ByteChannel channel() {
        return channel;
    }

    Result negotiate(String exportName) throws IOException {
        return negotiate(exportName, null);
    }

    /** {@code tls}: null for plaintext. */
    Result negotiate(String exportName, TlsStart tls) throws IOException {
        receive(GREETING_LENGTH);
        if (buffer.getLong(0) != NBDMAGIC || buffer.getLong(8) != IHAVEOPT) {
            throw new IOException("upstream is not a newstyle NBD server");
        }
        int serverFlags = buffer.getShort(16) & 0xFFFF;
        if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException("upstream does not speak fixed newstyle NBD");
        }
        boolean noZeroes = (serverFlags & FLAG_NO_ZEROES) != 0;
        send(buffer.clear().putInt(FLAG_C_FIXED_NEWSTYLE | (noZeroes ? FLAG_C_NO_ZEROES : 0)));
        if (tls != null) {
            send(buffer.clear().putLong(IHAVEOPT).putInt(OPT_STARTTLS).putInt(0));
            receive(OPTION_REPLY_HEADER_LENGTH);
            if (buffer.getLong(0) != OPTION_REPLY_MAGIC || buffer.getInt(8) != OPT_STARTTLS) {
                throw new IOException("upstream sent a malformed option reply");
            }
            int type = buffer.getInt(12);
            if (type != REP_ACK) {
                throw new IOException("upstream refused NBD_OPT_STARTTLS: reply 0x" + Integer.toHexString(type));
            }
            if (buffer.getInt(16) != 0) {
                throw new IOException("upstream acknowledged NBD_OPT_STARTTLS with data");
            }
            channel = tls.start();
        }

        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        send(buffer.clear().putLong(IHAVEOPT).putInt(OPT_STRUCTURED_REPLY).putInt(0));
        boolean structured = optionReply(OPT_STRUCTURED_REPLY) == REP_ACK;
        long allocationContext = structured ? allocationContext(name) : -1;

        buffer.clear()
                .putLong(IHAVEOPT)
                .putInt(OPT_GO)
                .putInt(4 + name.length + 2 + 2)
                .putInt(name.length)
                .put(name)
                .putShort((short) 1)
                .putShort((short) INFO_BLOCK_SIZE);
        send(buffer);

        long size = -1;
        int flags = 0;
        int minimum = 1;
        int preferred = DEFAULT_PREFERRED_BLOCK;
        long maximum = MAX_PAYLOAD;
        while (true) {
            int type = optionReply(OPT_GO);
            int length = buffer.limit();
            if (type == REP_ACK) {
                break;
            }
            if (type == REP_ERR_UNSUP) {
                return exportName(name, noZeroes, structured, allocationContext);
            }
            if ((type & REP_FLAG_ERROR) != 0) {
                String message =
                        StandardCharsets.UTF_8.decode(buffer.slice(0, length)).toString();
                throw new IOException("upstream refused export '" + exportName + "': error 0x"
                        + Integer.toHexString(type) + (message.isEmpty() ? "" : " (" + message + ")"));
            }
            if (type == REP_INFO && length >= 2) {
                int info = buffer.getShort(0) & 0xFFFF;
                if (info == INFO_EXPORT && length == INFO_EXPORT_LENGTH) {
                    size = buffer.getLong(2);
                    flags = buffer.getShort(10) & 0xFFFF;
                } else if (info == INFO_BLOCK_SIZE && length == INFO_BLOCK_SIZE_LENGTH) {
                    minimum = buffer.getInt(2);
                    preferred = buffer.getInt(6);
                    maximum = buffer.getInt(10) & 0xFFFF_FFFFL;
                }
            }
        }
        if (size < 0) {
            throw new IOException("upstream accepted NBD_OPT_GO without NBD_INFO_EXPORT");
        }
        return new Result(size, flags, minimum, preferred, maximum, structured, allocationContext);
    }

    /** NBD_OPT_SET_META_CONTEXT for base:allocation: the id the upstream gave it, or -1. */
    private long allocationContext(byte[] exportName) throws IOException {
        byte[] query = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
        send(buffer.clear()
                .putLong(IHAVEOPT)
                .putInt(OPT_SET_META_CONTEXT)
                .putInt(4 + exportName.length + 4 + 4 + query.length)
                .putInt(exportName.length)
                .put(exportName)
                .putInt(1)
                .putInt(query.length)
                .put(query));
        long id = -1;
        while (true) {
            int type = optionReply(OPT_SET_META_CONTEXT);
            if (type == REP_META_CONTEXT
                    && buffer.limit() == 4 + query.length
                    && buffer.slice(4, query.length).equals(ByteBuffer.wrap(query))) {
                id = buffer.getInt(0) & 0xFFFF_FFFFL;
            } else if (type != REP_META_CONTEXT) {
                // ACK ends the list; an error (an upstream without contexts) means none was selected.
                return type == REP_ACK ? id : -1;
            }
        }
    }

    /** Reads one reply to {@code option}: returns its type, its data is in the buffer from 0 to the limit. */
    private int optionReply(int option) throws IOException {
        receive(OPTION_REPLY_HEADER_LENGTH);
        if (buffer.getLong(0) != OPTION_REPLY_MAGIC || buffer.getInt(8) != option) {
            throw new IOException("upstream sent a malformed option reply");
        }
        int type = buffer.getInt(12);
        long length = buffer.getInt(16) & 0xFFFF_FFFFL;
        if (length > MAX_REPLY_LENGTH) {
            throw new IOException("upstream option reply too long: " + length);
        }
        receive((int) length);
        return type;
    }

    private Result exportName(byte[] name, boolean noZeroes, boolean structured, long allocationContext)
            throws IOException {
        buffer.clear()
                .putLong(IHAVEOPT)
                .putInt(OPT_EXPORT_NAME)
                .putInt(name.length)
                .put(name);
        send(buffer);
        receive(EXPORT_NAME_REPLY_LENGTH + (noZeroes ? 0 : EXPORT_NAME_ZEROES));
        return new Result(
                buffer.getLong(0),
                buffer.getShort(8) & 0xFFFF,
                1,
                DEFAULT_PREFERRED_BLOCK,
                MAX_PAYLOAD,
                structured,
                allocationContext);
    }

    private void send(ByteBuffer message) throws IOException {
        message.flip();
        while (message.hasRemaining()) {
            channel.write(message);
        }
    }

    private void receive(int length) throws IOException {
        buffer.clear().limit(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("upstream closed the connection during the handshake");
            }
        }
    }
}
