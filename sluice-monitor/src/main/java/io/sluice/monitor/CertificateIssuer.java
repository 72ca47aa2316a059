package io.sluice.monitor;

import io.sluice.pki.CertificateRequest;
import io.sluice.pki.KeyMaterialException;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.CertificateDescriptor;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.RenewReader;
import java.io.IOException;
import java.security.cert.X509Certificate;

/**
 * Certificates for gateways, signed on the inbound thread that read the request ({@link GatewayCertificates#issue}):
 * for ENROLL once {@link SessionSetup} checked the key and used the token, for RENEW in session unless the certificate
 * or the gateway is revoked. The answer goes to the outbound thread as {@link Session#certificateDue}. One per inbound
 * thread (its reader); only that thread uses it.
 */
final class CertificateIssuer {
    private static final System.Logger LOG = System.getLogger(InboundThread.class.getName());

    private final MonitorDaemon daemon;
    private final RenewReader renewReader = new RenewReader();

    CertificateIssuer(MonitorDaemon daemon) {
        this.daemon = daemon;
    }

    /** RENEW, in session: a new certificate for the same gateway, unless its current one is revoked. */
    void renew(Session session, FrameDecoder decoder) {
        GatewayCertificates desk =
                daemon.context().tls() == null ? null : daemon.context().tls().certificates();
        if (desk == null || session.certificateSerial == null) {
            refuseCertificate(
                    session,
                    desk == null ? AuthReason.CERTIFICATE_NOT_ISSUED : AuthReason.CERTIFICATE_REQUIRED,
                    "this monitor issues no certificates");
            return;
        }
        if (daemon.context().tls().revocations().isRevoked(session.certificateSerial)
                || daemon.registry().standing(session.gatewayId) == GatewayRegistry.Standing.REVOKED) {
            refuseCertificate(session, AuthReason.REVOKED, "its certificate or the gateway is revoked");
            return;
        }
        CertificateRequest request;
        try {
            request = GatewayCertificates.parse(renewReader.wrap(decoder).request());
        } catch (KeyMaterialException e) {
            refuseCertificate(session, AuthReason.BAD_CERTIFICATE_REQUEST, e.getMessage());
            return;
        }
        issueCertificate(session, request, "renewal");
    }

    void issueCertificate(Session session, CertificateRequest request, String why) {
        try {
            X509Certificate issued = daemon.context().tls().certificates().issue(session.gatewayId, request);
            byte[] der = GatewayCertificates.encoded(issued);
            if (der.length > CertificateDescriptor.MAX_CERTIFICATE_LENGTH) {
                throw new IOException("issued a certificate of " + der.length + " bytes, above the frame's "
                        + CertificateDescriptor.MAX_CERTIFICATE_LENGTH);
            }
            daemon.counters().certificatesIssued.increment();
            LOG.log(
                    System.Logger.Level.INFO,
                    "gateway " + Long.toUnsignedString(session.gatewayId) + ": certificate serial "
                            + issued.getSerialNumber().toString(16) + " issued (" + why + "), valid until "
                            + issued.getNotAfter().toInstant());
            session.certificateDue = new Session.CertificateAnswer(der, AuthReason.NONE);
            session.schedule();
        } catch (IOException e) {
            refuseCertificate(session, AuthReason.CERTIFICATE_NOT_ISSUED, e.getMessage());
        }
    }

    void refuseCertificate(Session session, AuthReason reason, String detail) {
        daemon.counters().certificatesRefused.increment();
        LOG.log(
                System.Logger.Level.WARNING,
                "gateway " + Long.toUnsignedString(session.gatewayId) + ": no certificate (" + reason + "): " + detail);
        session.certificateDue = new Session.CertificateAnswer(null, reason);
        session.schedule();
    }
}
