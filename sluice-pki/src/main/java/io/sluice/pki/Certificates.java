package io.sluice.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** What Sluice reads off a certificate: the name it was issued to, and a fingerprint people can compare. */
public final class Certificates {
    private Certificates() {}

    /** The subject's common name (CN), or null when it has none. */
    public static String commonName(X509Certificate certificate) {
        try {
            LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    /** SHA-256 over the DER encoding, as hex: what `openssl x509 -fingerprint -sha256` shows, without colons. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint a certificate", e);
        }
    }

    /** Whether {@code key} is the private half of the certificate's public key (it signs, the certificate verifies). */
    public static boolean matches(X509Certificate certificate, PrivateKey key) {
        try {
            byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
            String algorithm = Keys.signatureAlgorithm(key);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
