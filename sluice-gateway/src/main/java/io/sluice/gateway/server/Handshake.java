package io.sluice.gateway.server;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.tls.EngineTlsChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

/**
 * The server side of the fixed newstyle handshake (layouts in {@link io.sluice.gateway.nbd.NbdDescriptor}). Runs once
 * per connection before transmission, so it may allocate. Options the gateway does not know get NBD_REP_ERR_UNSUP,
 * malformed ones NBD_REP_ERR_INVALID; only a broken frame (bad magic, unknown client flags, an option too large to
 * read) ends the connection.
 *
 * <p>TLS follows proto.md's server modes. With TLS configured and every export needing it (FORCEDTLS), every option but
 * NBD_OPT_STARTTLS and NBD_OPT_ABORT is answered NBD_REP_ERR_TLS_REQD until TLS is up (NBD_OPT_EXPORT_NAME, which
 * cannot be answered, hangs up). Otherwise (SELECTIVETLS) options are answered in plaintext, but each export's
 * {@link io.sluice.gateway.export.ExportAccess} decides what a client sees: an export it may not use is left out of
 * NBD_OPT_LIST and refused at NBD_OPT_INFO/GO with NBD_REP_ERR_TLS_REQD (starting TLS would help) or NBD_REP_ERR_POLICY
 * (it would not). After STARTTLS the client starts over on the encrypted channel: structured replies (and metadata
 * contexts) must be agreed again.
 *
 * <p>Metadata contexts: once structured replies are agreed, NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT
 * offer one context, base:allocation (queries {@code base:allocation}, and {@code base:} or none to list).
 * NBD_CMD_BLOCK_STATUS is allowed when the last SET selected it for the export the client then enters transmission
 * with.
 */
final class Handshake {
    /** Largest option data read; real options are far smaller (a name is at most 4096 bytes). */
    static final int MAX_OPTION_LENGTH = 64 * 1024;
    /** A client that needs more options than this to pick an export is wasting our thread. */
    static final int MAX_OPTIONS = 256;

    private static final int KNOWN_CLIENT_FLAGS = FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES;

    private final SocketChannel raw;
    private final Exports exports;
    private final NbdTls tls;
    private final boolean forcedTls;
    private final InetAddress source;
    private ByteChannel channel;
    private EngineTlsChannel tlsChannel;
    private X509Certificate clientCertificate;
    private final ByteBuffer in = ByteBuffer.allocate(OPTION_HEADER_LENGTH + MAX_OPTION_LENGTH);
    private final ByteBuffer out = ByteBuffer.allocate(OPTION_REPLY_HEADER_LENGTH + MAX_STRING_LENGTH + 64);
    private boolean structuredReplies;
    /** The export the last NBD_OPT_SET_META_CONTEXT selected base:allocation for; null: none. */
    private Export metaContextExport;

    /** {@code tls}: null when the gateway has no certificates (STARTTLS is then unsupported). */
    Handshake(SocketChannel raw, Exports exports, NbdTls tls, boolean forcedTls) throws IOException {
        this.raw = raw;
        this.channel = raw;
        this.exports = exports;
        this.tls = tls;
        this.forcedTls = forcedTls;
        this.source = ((InetSocketAddress) raw.getRemoteAddress()).getAddress();
    }

    /** The agreed session, or null when the client aborted, went away or broke the protocol. */
    NbdSession negotiate() throws IOException {
        out.clear();
        out.putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
        send();
        if (!receive(CLIENT_FLAGS_LENGTH)) {
            return null;
        }
        int clientFlags = in.getInt(0);
        if ((clientFlags & ~KNOWN_CLIENT_FLAGS) != 0) {
            return null;
        }
        boolean fixed = (clientFlags & FLAG_C_FIXED_NEWSTYLE) != 0;
        boolean noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;
        for (int options = 0; options < MAX_OPTIONS; options++) {
            if (!receive(OPTION_HEADER_LENGTH) || in.getLong(0) != IHAVEOPT) {
                return null;
            }
            int option = in.getInt(8);
            long length = in.getInt(12) & 0xFFFF_FFFFL;
            if (length > MAX_OPTION_LENGTH || !receive((int) length)) {
                return null;
            }
            if (!fixed && option != OPT_EXPORT_NAME) {
                return null;
            }
            int dataLength = (int) length;
            if (forcedTls && tlsChannel == null && option != OPT_STARTTLS && option != OPT_ABORT) {
                if (option == OPT_EXPORT_NAME) {
                    return null;
                }
                error(option, REP_ERR_TLS_REQD, "TLS is required: send NBD_OPT_STARTTLS first");
                continue;
            }
            switch (option) {
                case OPT_EXPORT_NAME -> {
                    return exportName(dataLength, noZeroes);
                }
                case OPT_ABORT -> {
                    reply(option, REP_ACK);
                    return null;
                }
                case OPT_LIST -> list(dataLength);
                case OPT_STARTTLS -> {
                    if (!startTls(dataLength)) {
                        return null;
                    }
                }
                case OPT_STRUCTURED_REPLY -> {
                    if (dataLength != 0 || structuredReplies) {
                        error(option, REP_ERR_INVALID, "structured replies take no data and are agreed once");
                    } else {
                        structuredReplies = true;
                        reply(option, REP_ACK);
                    }
                }
                case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, dataLength);
                case OPT_INFO, OPT_GO -> {
                    Export export = info(option, dataLength);
                    if (export != null && option == OPT_GO) {
                        return session(export);
                    }
                }
                default -> error(option, REP_ERR_UNSUP, "option not supported");
            }
        }
        return null;
    }

    /** NBD_OPT_EXPORT_NAME cannot fail politely: an unknown name ends the session. */
    private NbdSession exportName(int dataLength, boolean noZeroes) throws IOException {
        String name = string(0, dataLength);
        Export export = name == null ? null : exports.find(name);
        if (export == null || verdict(export) != 0) {
            return null;
        }
        out.clear();
        out.putLong(export.size()).putShort((short) export.transmissionFlags(structuredReplies));
        if (!noZeroes) {
            out.put(new byte[EXPORT_NAME_ZEROES]);
        }
        send();
        return session(export);
    }

    private NbdSession session(Export export) {
        GatheringByteChannel out = tlsChannel != null ? tlsChannel : raw;
        boolean blockStatus = structuredReplies && metaContextExport == export;
        return new NbdSession(export, structuredReplies, blockStatus, channel, out);
    }

    /**
     * NBD_OPT_LIST_META_CONTEXT or NBD_OPT_SET_META_CONTEXT. Data: export name length (4), name, number of queries (4),
     * each query's length (4) and text. A SET replaces the selection even when it fails; a LIST without queries lists
     * every context.
     */
    private void metaContext(int option, int dataLength) throws IOException {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set) {
            metaContextExport = null;
        }
        if (!structuredReplies) {
            error(
                    option,
                    REP_ERR_INVALID,
                    "metadata contexts need structured replies: send NBD_OPT_STRUCTURED_REPLY first");
            return;
        }
        if (dataLength < 8) {
            error(option, REP_ERR_INVALID, "option data too short");
            return;
        }
        long nameLength = in.getInt(0) & 0xFFFF_FFFFL;
        String name = nameLength <= dataLength - 8 ? string(4, (int) nameLength) : null;
        if (name == null) {
            error(option, REP_ERR_INVALID, "export name length or text is not valid");
            return;
        }
        int at = 4 + (int) nameLength;
        long queries = in.getInt(at) & 0xFFFF_FFFFL;
        at += 4;
        boolean selected = !set && queries == 0;
        for (long q = 0; q < queries; q++) {
            long length = dataLength - at >= 4 ? in.getInt(at) & 0xFFFF_FFFFL : Long.MAX_VALUE;
            String query = length <= dataLength - at - 4 ? string(at + 4, (int) length) : null;
            if (query == null || query.indexOf(':') <= 0) {
                error(option, REP_ERR_INVALID, "a query is not a valid 'namespace:name' string");
                return;
            }
            at += 4 + (int) length;
            // Other namespaces, and names base: does not know, are ignored as proto.md requires.
            selected |= query.equals(BASE_ALLOCATION) || (!set && query.equals("base:"));
        }
        if (at != dataLength) {
            error(option, REP_ERR_INVALID, "option data longer than its queries");
            return;
        }
        Export export = exports.find(name);
        if (export == null || verdict(export) != 0) {
            error(option, REP_ERR_UNKNOWN, "no such export");
            return;
        }
        if (selected) {
            byte[] context = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
            header(option, REP_META_CONTEXT, 4 + context.length);
            // proto.md: ids in a LIST reply are reserved and set to zero.
            out.putInt(set ? BASE_ALLOCATION_ID : 0).put(context);
            send();
            if (set) {
                metaContextExport = export;
            }
        }
        reply(option, REP_ACK);
    }

    private int verdict(Export export) {
        return export.access().verdict(source, tlsChannel != null, clientCertificate);
    }

    /** NBD_OPT_STARTTLS: acknowledged, then the TLS handshake; false when it failed (the connection ends). */
    private boolean startTls(int dataLength) throws IOException {
        if (tls == null) {
            error(OPT_STARTTLS, REP_ERR_UNSUP, "this gateway has no TLS certificates");
            return true;
        }
        if (tlsChannel != null || dataLength != 0) {
            error(
                    OPT_STARTTLS,
                    REP_ERR_INVALID,
                    tlsChannel != null ? "TLS is already started" : "NBD_OPT_STARTTLS takes no data");
            return true;
        }
        reply(OPT_STARTTLS, REP_ACK);
        try {
            tlsChannel = tls.start(raw);
        } catch (IOException e) {
            // A client that cannot prove itself, or speaks no TLS we accept: nothing more to say to it.
            return false;
        }
        channel = tlsChannel;
        clientCertificate = NbdTls.clientCertificate(tlsChannel);
        structuredReplies = false;
        metaContextExport = null;
        return true;
    }

    private void list(int dataLength) throws IOException {
        if (dataLength != 0) {
            error(OPT_LIST, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (Export export : exports.all()) {
            if (verdict(export) != 0) {
                continue;
            }
            byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
            header(OPT_LIST, REP_SERVER, 4 + name.length);
            out.putInt(name.length).put(name);
            send();
        }
        reply(OPT_LIST, REP_ACK);
    }

    /** Answers NBD_OPT_INFO or NBD_OPT_GO; returns the export when the answer was a success. */
    private Export info(int option, int dataLength) throws IOException {
        // Data: name length (4), name, count of info requests (2), info types (2 each).
        if (dataLength < 6) {
            error(option, REP_ERR_INVALID, "option data too short");
            return null;
        }
        long nameLength = in.getInt(0) & 0xFFFF_FFFFL;
        if (nameLength > dataLength - 6) {
            error(option, REP_ERR_INVALID, "name length exceeds option data");
            return null;
        }
        int requestsAt = 4 + (int) nameLength;
        int requestCount = in.getShort(requestsAt) & 0xFFFF;
        if (dataLength != requestsAt + 2 + 2 * requestCount) {
            error(option, REP_ERR_INVALID, "information request list does not match option length");
            return null;
        }
        String name = string(4, (int) nameLength);
        if (name == null) {
            error(option, REP_ERR_INVALID, "export name is not a valid string");
            return null;
        }
        Export export = exports.find(name);
        if (export == null) {
            error(option, REP_ERR_UNKNOWN, "no such export");
            return null;
        }
        int verdict = verdict(export);
        if (verdict != 0) {
            error(
                    option,
                    verdict,
                    verdict == REP_ERR_TLS_REQD
                            ? "this export needs TLS: send NBD_OPT_STARTTLS first"
                            : "this export is not open to this client");
            return null;
        }
        boolean nameRequested = false;
        for (int i = 0; i < requestCount; i++) {
            nameRequested |= (in.getShort(requestsAt + 2 + 2 * i) & 0xFFFF) == INFO_NAME;
        }
        header(option, REP_INFO, INFO_EXPORT_LENGTH);
        out.putShort((short) INFO_EXPORT).putLong(export.size()).putShort((short)
                export.transmissionFlags(structuredReplies));
        send();
        // Sent whether asked or not: clients that did not ask ignore it, clients that did obey it.
        header(option, REP_INFO, INFO_BLOCK_SIZE_LENGTH);
        out.putShort((short) INFO_BLOCK_SIZE)
                .putInt(export.minimumBlockSize())
                .putInt(export.preferredBlockSize())
                .putInt(export.maximumBlockSize());
        send();
        if (nameRequested) {
            byte[] canonical = export.name().getBytes(StandardCharsets.UTF_8);
            header(option, REP_INFO, 2 + canonical.length);
            out.putShort((short) INFO_NAME).put(canonical);
            send();
        }
        reply(option, REP_ACK);
        return export;
    }

    /** A protocol string: valid UTF-8, no NUL, at most 4096 bytes; null otherwise. */
    private String string(int at, int length) {
        if (length > MAX_STRING_LENGTH) {
            return null;
        }
        for (int i = 0; i < length; i++) {
            if (in.get(at + i) == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in.slice(at, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void reply(int option, int type) throws IOException {
        header(option, type, 0);
        send();
    }

    private void error(int option, int type, String message) throws IOException {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        header(option, type, text.length);
        out.put(text);
        send();
    }

    private void header(int option, int type, int length) {
        out.clear();
        out.putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(length);
    }

    private void send() throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** Reads exactly {@code length} bytes into {@code in} from index 0; false at end of stream. */
    private boolean receive(int length) throws IOException {
        in.clear().limit(length);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                return false;
            }
        }
        return true;
    }
}
