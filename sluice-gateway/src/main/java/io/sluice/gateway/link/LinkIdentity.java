package io.sluice.gateway.link;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateRequest;
import io.sluice.pki.Certificates;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.KeyMaterialException;
import io.sluice.pki.Keys;
import io.sluice.pki.PemFiles;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayCertificateName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * What the gateway proves itself with on the TLS link to its monitor, and whom it trusts there. Either <em>issued</em>:
 * a certificate the operator made ({@code tls-cert}, {@code tls-key}), used as it is; or <em>enrolled</em>: the
 * gateway's own, kept in its state directory (0700) as {@value #KEY_FILE} (P-256, 0600, generated here and never
 * leaving the host) and {@value #CERTIFICATE_FILE}. An enrolled gateway without a certificate connects with TLS on
 * which only the monitor proves itself, sends a request with its enrollment token (ENROLL) and installs the certificate
 * that comes back; once two thirds of the certificate's lifetime have passed it asks for a new one in session (RENEW),
 * for the same key, and uses it from its next connection.
 *
 * <p>The time of renewal is judged on an injected clock. Only the link's thread uses an identity.
 */
public final class LinkIdentity {
    public static final String KEY_FILE = "monitor-link.key";
    public static final String CERTIFICATE_FILE = "monitor-link.crt";

    private final List<X509Certificate> trusted;
    private final Path dir;
    private final long gatewayId;
    private final EpochClock clock;
    private SSLContext context;
    /** Whether {@link #context} proves {@link #certificate} (enrolled identities build it again when that changes). */
    private boolean contextHasCertificate;

    private PrivateKey key;
    private X509Certificate certificate;

    private LinkIdentity(SSLContext fixed, List<X509Certificate> trusted, Path dir, long gatewayId, EpochClock clock) {
        this.context = fixed;
        this.trusted = trusted;
        this.dir = dir;
        this.gatewayId = gatewayId;
        this.clock = clock;
    }

    /** A context the operator built from certificates they issued: no enrollment, no renewal. */
    public static LinkIdentity issued(SSLContext context) {
        return new LinkIdentity(context, List.of(), null, 0, EpochClock.system());
    }

    /**
     * The identity kept in {@code dir} (made 0700 if missing; another user's, or one others may write, is refused),
     * trusting monitors whose certificates come from {@code trusted}; a key or certificate there is loaded, and must be
     * this user's alone and belong together.
     */
    public static LinkIdentity enrolled(Path dir, List<X509Certificate> trusted, long gatewayId, EpochClock clock)
            throws IOException {
        if (trusted.isEmpty()) {
            throw new KeyMaterialException("no authority to trust the monitor by");
        }
        PrivateFiles.ensureDirectory(dir);
        LinkIdentity identity = new LinkIdentity(null, List.copyOf(trusted), dir, gatewayId, clock);
        if (Files.exists(dir.resolve(KEY_FILE)) && Files.exists(dir.resolve(CERTIFICATE_FILE))) {
            KeyMaterial own = KeyMaterial.load(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE));
            identity.key = own.key();
            identity.certificate = own.certificate();
        }
        return identity;
    }

    /** Whether this identity can enroll and renew (a state directory), rather than use what the operator issued. */
    public boolean isEnrolled() {
        return dir != null;
    }

    /**
     * Whether there is a certificate to connect with: an enrolled gateway without one, or whose one has expired (it was
     * offline past its renewal), must enroll first, with a new token.
     */
    public boolean hasCertificate() {
        return !isEnrolled()
                || (certificate != null
                        && clock.epochMillis() <= certificate.getNotAfter().getTime());
    }

    /** The TLS context for the next connection: with this gateway's certificate when it has a valid one. */
    public SSLContext context() {
        if (!isEnrolled()) {
            return context;
        }
        boolean withCertificate = hasCertificate();
        if (context == null || contextHasCertificate != withCertificate) {
            context = TlsContexts.create(withCertificate ? new KeyMaterial(key, List.of(certificate)) : null, trusted);
            contextHasCertificate = withCertificate;
        }
        return context;
    }

    /**
     * When a renewal is due: two thirds into the certificate's lifetime, so a gateway that is offline for a while still
     * has a third of it left to try in; {@link Long#MAX_VALUE} for an issued identity or without a certificate.
     */
    public long renewAtMillis() {
        if (!isEnrolled() || certificate == null) {
            return Long.MAX_VALUE;
        }
        long from = certificate.getNotBefore().getTime();
        long to = certificate.getNotAfter().getTime();
        return from + (to - from) / 3 * 2;
    }

    public boolean renewalDue() {
        return clock.epochMillis() >= renewAtMillis();
    }

    /** The certificate in use (enrolled identities), or null. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A certificate signing request (DER) naming {@code gateway-<id>}: for the key of the certificate in use (a renewal
     * keeps the key), or, without a valid certificate, for a new key, written (0600) over any left from an enrollment
     * that never finished or a certificate that expired.
     */
    public byte[] certificateRequest() throws IOException {
        requireEnrolled();
        if (!hasCertificate()) {
            KeyPair keys = Keys.generate();
            PemFiles.writePrivateKey(dir.resolve(KEY_FILE), keys.getPrivate());
            key = keys.getPrivate();
            return CertificateRequest.create(keys, GatewayCertificateName.of(gatewayId));
        }
        return CertificateRequest.create(
                new KeyPair(certificate.getPublicKey(), key), GatewayCertificateName.of(gatewayId));
    }

    /**
     * Checks a certificate the monitor issued (DER) and makes it this gateway's: signed by a trusted authority, naming
     * this gateway, for this gateway's key, valid now. Written (atomically, 0600) before it is used, so a restart keeps
     * it.
     */
    public X509Certificate install(byte[] der) throws IOException {
        requireEnrolled();
        X509Certificate issued;
        try {
            issued = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyMaterialException("the monitor sent a certificate that does not parse: " + e.getMessage(), e);
        }
        if (!signedByTrusted(issued)) {
            throw new KeyMaterialException("the monitor sent a certificate no trusted authority signed");
        }
        if (GatewayCertificateName.gatewayId(Certificates.commonName(issued)) != gatewayId) {
            throw new KeyMaterialException("the monitor sent a certificate for " + Certificates.commonName(issued)
                    + ", not " + GatewayCertificateName.of(gatewayId));
        }
        if (key == null || !Certificates.matches(issued, key)) {
            throw new KeyMaterialException("the monitor sent a certificate for another key");
        }
        long now = clock.epochMillis();
        if (now < issued.getNotBefore().getTime() || now > issued.getNotAfter().getTime()) {
            throw new KeyMaterialException("the monitor sent a certificate not valid now ("
                    + issued.getNotBefore().toInstant() + " .. "
                    + issued.getNotAfter().toInstant() + ")");
        }
        PemFiles.writeCertificates(dir.resolve(CERTIFICATE_FILE), List.of(issued));
        certificate = issued;
        context = null;
        return issued;
    }

    /** Where the key and certificate are kept, or null for an issued identity. */
    public Path directory() {
        return dir;
    }

    private boolean signedByTrusted(X509Certificate issued) {
        for (X509Certificate authority : trusted) {
            try {
                issued.verify(authority.getPublicKey());
                return true;
            } catch (GeneralSecurityException e) {
                // not this one
            }
        }
        return false;
    }

    private void requireEnrolled() {
        if (!isEnrolled()) {
            throw new IllegalStateException("a certificate the operator issued is neither requested nor renewed here");
        }
    }
}
