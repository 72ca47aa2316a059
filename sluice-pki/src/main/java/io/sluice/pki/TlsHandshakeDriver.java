package io.sluice.pki;

import io.sluice.pki.TlsChannel.Handshake;
import java.io.IOException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Drives a {@link TlsChannel}'s handshake one non-blocking step at a time, through its record reader and writer, and
 * tells a peer that is not speaking TLS from one that refused us.
 *
 * <p>Not thread-safe: the {@link TlsChannel} calls it under its write lock, and only until the handshake is done.
 */
final class TlsHandshakeDriver {
    private static final byte TLS_ALERT_RECORD = 21;
    private static final byte TLS_HANDSHAKE_RECORD = 22;

    private final SSLEngine engine;
    private final TlsRecordReader reader;
    private final TlsRecordWriter writer;
    private boolean begun;
    private boolean sawFirstRecord;

    TlsHandshakeDriver(SSLEngine engine, TlsRecordReader reader, TlsRecordWriter writer) {
        this.engine = engine;
        this.reader = reader;
        this.writer = writer;
    }

    /** See {@link TlsChannel#handshake}. */
    Handshake step() throws IOException {
        try {
            return stepHandshake();
        } catch (SSLHandshakeException e) {
            writer.sendAlert();
            throw new TlsException(TlsException.Reason.HANDSHAKE_REFUSED, e.getMessage(), e);
        } catch (SSLException e) {
            writer.sendAlert();
            throw new TlsException(
                    sawFirstRecord ? TlsException.Reason.HANDSHAKE_REFUSED : TlsException.Reason.NOT_TLS,
                    e.getMessage(),
                    e);
        }
    }

    private Handshake stepHandshake() throws IOException {
        if (!begun) {
            begun = true;
            engine.beginHandshake();
        }
        while (true) {
            if (!writer.flush()) {
                return Handshake.NEED_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> TlsChannel.runDelegatedTasks(engine);
                case NEED_WRAP -> writer.wrap(TlsRecordWriter.NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapHandshake()) {
                        return Handshake.NEED_READ;
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    return Handshake.DONE;
                }
            }
        }
    }

    /** Unwraps one handshake record, reading from the socket when none is whole; false when the socket had nothing. */
    private boolean unwrapHandshake() throws IOException {
        while (true) {
            if (reader.hasCiphertext()) {
                checkFirstRecord();
                SSLEngineResult result = reader.unwrap();
                switch (result.getStatus()) {
                    case OK -> {
                        return true;
                    }
                    case CLOSED ->
                        throw new TlsException(
                                TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                                "the peer closed TLS during the handshake",
                                null);
                    case BUFFER_OVERFLOW -> reader.growAppIn();
                    case BUFFER_UNDERFLOW -> reader.growNetInIfFull();
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    continue;
                }
            }
            int read = reader.readSocket();
            if (read < 0) {
                throw new TlsException(
                        TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                        "the peer closed the connection during the TLS handshake",
                        null);
            }
            if (read == 0) {
                return false;
            }
            if (!sawFirstRecord
                    && !engine.getUseClientMode()
                    && reader.hasRoomForCiphertext()
                    && reader.readSocket() < 0) {
                // The client's first flight came with its end of stream: it gave up (timed out waiting in the accept
                // queue, say) before its handshake began here. Answering would cost a key exchange and a signature
                // for nobody, and a server catching up on a queue of them would fall behind again.
                throw new TlsException(
                        TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                        "the peer closed the connection before its handshake began",
                        null);
            }
        }
    }

    /** A TLS peer's first record is a handshake record (or an alert refusing us); anything else is refused unparsed. */
    private void checkFirstRecord() throws TlsException {
        if (!sawFirstRecord) {
            byte first = reader.firstCiphertextByte();
            if (first != TLS_HANDSHAKE_RECORD && first != TLS_ALERT_RECORD) {
                throw new TlsException(
                        TlsException.Reason.NOT_TLS,
                        String.format("first byte 0x%02x is not a TLS handshake record", first & 0xff),
                        null);
            }
            sawFirstRecord = true;
        }
    }
}
