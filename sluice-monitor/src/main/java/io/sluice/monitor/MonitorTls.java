package io.sluice.monitor;

import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.RevocationList;
import io.sluice.pki.TlsContexts;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * TLS on the gateway link: the monitor's own certificate and the authority its gateways' certificates must come from
 * (in {@code context}), and that authority's revocations, checked at each handshake by the context and again for the
 * sessions already open, which are closed when their certificate is revoked.
 *
 * @param certificates the server's authority as a certificate desk for gateways: with it a gateway without a
 *     certificate may connect to enroll for one (and nothing else), and gateways renew theirs in session; null when the
 *     operator issues every gateway certificate (their own CA)
 */
public record MonitorTls(SSLContext context, RevocationList revocations, GatewayCertificates certificates) {
    /** Client certificates issued by the operator only: every connection must present one. */
    public MonitorTls(SSLContext context, RevocationList revocations) {
        this(context, revocations, null);
    }

    /**
     * The monitor presenting {@code own} and trusting gateways of {@code ca}, refusing its revocations; with
     * {@code gatewayValidity} (else null) it signs gateways' certificates of that life itself.
     */
    public static MonitorTls of(CertificateAuthority ca, KeyMaterial own, Duration gatewayValidity) {
        return new MonitorTls(
                TlsContexts.create(own, List.of(ca.certificate()), ca.revocations()),
                ca.revocations(),
                gatewayValidity == null ? null : new GatewayCertificates(ca, gatewayValidity));
    }
}
