package io.sluice.protocol;

/** AUTH_RESULT's reason byte: why a gateway is pending or refused. */
public enum AuthReason {
    NONE(0),
    /** Unknown gateway without a valid enrollment token: recorded as pending. */
    AWAITING_APPROVAL(1),
    /** The HMAC did not match. */
    WRONG_ANSWER(2),
    /** The answer was one already used. */
    REPLAYED(3),
    /** The answer came after the challenge expired. */
    EXPIRED(4),
    /** An admin revoked this gateway. */
    REVOKED(5),
    /** The enrollment token is unknown, used up or expired. */
    BAD_TOKEN(6),
    /** Another connection of the same gateway is already in session. */
    DUPLICATE_SESSION(7),
    /** The gateway serves more volumes than a server supports ({@link HelloDescriptor#MAX_VOLUMES}). */
    TOO_MANY_VOLUMES(8),
    /**
     * The monitor cannot read its gateway registry (corrupt, not the server's, an I/O error) or cannot record an
     * enrollment, so it admits nobody rather than forget revocations; try again later.
     */
    REGISTRY_UNUSABLE(9),
    /** The certificate request does not parse, does not verify, or its key is not P-256 (ENROLL, RENEW). */
    BAD_CERTIFICATE_REQUEST(10),
    /**
     * The connection has no client certificate, and on such a connection the monitor takes only ENROLL: a gateway must
     * enroll for a certificate (or be given one) before it may open a session.
     */
    CERTIFICATE_REQUIRED(11),
    /** The monitor could not issue or record the certificate (its authority's files); try again later. */
    CERTIFICATE_NOT_ISSUED(12);

    private static final AuthReason[] BY_CODE = {
        NONE,
        AWAITING_APPROVAL,
        WRONG_ANSWER,
        REPLAYED,
        EXPIRED,
        REVOKED,
        BAD_TOKEN,
        DUPLICATE_SESSION,
        TOO_MANY_VOLUMES,
        REGISTRY_UNUSABLE,
        BAD_CERTIFICATE_REQUEST,
        CERTIFICATE_REQUIRED,
        CERTIFICATE_NOT_ISSUED
    };

    private final int code;

    AuthReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The reason with this code, or null when there is none. */
    public static AuthReason fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
