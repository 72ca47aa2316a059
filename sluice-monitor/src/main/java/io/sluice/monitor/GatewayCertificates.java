package io.sluice.monitor;

import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.CertificateRequest;
import io.sluice.pki.KeyMaterialException;
import io.sluice.protocol.GatewayCertificateName;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;

/**
 * The monitor's certificate desk for gateways: signs a gateway's certificate request (ENROLL, RENEW) with the server's
 * authority. The certificate names {@code gateway-<id>} for the id the connection established, never the name the
 * request asks for, is a client certificate only, and lives {@link #validity()} (30 days unless configured): short,
 * because a gateway renews it by itself in session ({@link io.sluice.protocol.RenewDescriptor}). Only P-256 keys are
 * taken, what gateways generate; anything else is a bad request.
 *
 * <p>Called by the inbound threads; the authority records each certificate in its index (one forced write) before it is
 * returned, so an issued certificate can always be found and revoked.
 */
public final class GatewayCertificates {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    /** Shorter than this and a gateway would renew every few minutes (its clock skew allowance is five). */
    public static final Duration MIN_VALIDITY = Duration.ofHours(1);

    private final CertificateAuthority authority;
    private final Duration validity;

    public GatewayCertificates(CertificateAuthority authority, Duration validity) {
        if (validity.compareTo(MIN_VALIDITY) < 0) {
            throw new IllegalArgumentException(
                    "gateway certificates must live at least " + MIN_VALIDITY + ": " + validity);
        }
        this.authority = authority;
        this.validity = validity;
    }

    public Duration validity() {
        return validity;
    }

    /** Parses and checks a request: its signature verifies and its key is P-256. */
    static CertificateRequest parse(byte[] der) throws KeyMaterialException {
        CertificateRequest request = CertificateRequest.parse(der);
        if (!(request.publicKey() instanceof ECPublicKey ec)
                || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new KeyMaterialException(
                    "certificate request for a " + request.publicKey().getAlgorithm() + " key; gateways use P-256");
        }
        return request;
    }

    /**
     * A client certificate for the request's key naming {@code gateway-<gatewayId>}, recorded in the authority's index
     * before it is returned.
     *
     * @throws IOException when it could not be recorded (nothing is handed out then)
     */
    X509Certificate issue(long gatewayId, CertificateRequest request) throws IOException {
        return authority.issue(
                request, GatewayCertificateName.of(gatewayId), List.of(), CertificateAuthority.Usage.CLIENT, validity);
    }

    /** The certificate as CERTIFICATE carries it (DER). */
    static byte[] encoded(X509Certificate certificate) throws IOException {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IOException("cannot encode an issued certificate", e);
        }
    }
}
