package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import io.sluice.gateway.tls.TlsChannel;

/**
 * The client side of the fixed newstyle handshake, used to reach an upstream export: NBD_OPT_STARTTLS
 * first when TLS is wanted (a refusal is an error: never fall back to plaintext), then NBD_OPT_GO
 * asking for block sizes, falling back to NBD_OPT_EXPORT_NAME for servers without NBD_OPT_GO.
 */
final class UpstreamHandshake {
    /** What the upstream server agreed to. Block sizes are the protocol defaults when it sent none. */
    record Result(long size, int flags, int minimumBlock, int preferredBlock, long maximumBlock) {
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
        buffer.clear().putLong(IHAVEOPT).putInt(OPT_GO).putInt(4 + name.length + 2 + 2)
                .putInt(name.length).put(name).putShort((short) 1).putShort((short) INFO_BLOCK_SIZE);
        send(buffer);

        long size = -1;
        int flags = 0;
        int minimum = 1;
        int preferred = DEFAULT_PREFERRED_BLOCK;
        long maximum = MAX_PAYLOAD;
        while (true) {
            receive(OPTION_REPLY_HEADER_LENGTH);
            if (buffer.getLong(0) != OPTION_REPLY_MAGIC || buffer.getInt(8) != OPT_GO) {
                throw new IOException("upstream sent a malformed option reply");
            }
            int type = buffer.getInt(12);
            long length = buffer.getInt(16) & 0xFFFF_FFFFL;
            if (length > MAX_REPLY_LENGTH) {
                throw new IOException("upstream option reply too long: " + length);
            }
            receive((int) length);
            if (type == REP_ACK) {
                break;
            }
            if (type == REP_ERR_UNSUP) {
                return exportName(name, noZeroes);
            }
            if ((type & REP_FLAG_ERROR) != 0) {
                String message = StandardCharsets.UTF_8.decode(buffer.slice(0, (int) length)).toString();
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
        return new Result(size, flags, minimum, preferred, maximum);
    }

    private Result exportName(byte[] name, boolean noZeroes) throws IOException {
        buffer.clear().putLong(IHAVEOPT).putInt(OPT_EXPORT_NAME).putInt(name.length).put(name);
        send(buffer);
        receive(EXPORT_NAME_REPLY_LENGTH + (noZeroes ? 0 : EXPORT_NAME_ZEROES));
        return new Result(buffer.getLong(0), buffer.getShort(8) & 0xFFFF, 1, DEFAULT_PREFERRED_BLOCK, MAX_PAYLOAD);
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
