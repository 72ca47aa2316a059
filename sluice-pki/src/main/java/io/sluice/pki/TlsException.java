package io.sluice.pki;

import java.io.IOException;

/** Why a TLS connection ended before or outside its orderly close; the connection is closed when this is thrown. */
public final class TlsException extends IOException {
    /** What went wrong, for counters and logs. */
    public enum Reason {
        /** The first bytes were not a TLS handshake record: a plaintext or foreign peer. */
        NOT_TLS,
        /**
         * The handshake failed: a certificate refused (untrusted, revoked, expired, wrong name) or no common
         * parameters.
         */
        HANDSHAKE_REFUSED,
        /** The peer closed the connection before the handshake finished. */
        CLOSED_DURING_HANDSHAKE,
        /** A record after the handshake did not decrypt or authenticate: corruption or tampering. */
        BAD_RECORD
    }

    private final Reason reason;

    public TlsException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
