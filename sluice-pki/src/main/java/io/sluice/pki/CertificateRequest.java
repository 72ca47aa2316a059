package io.sluice.pki;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate signing request: a public key, signed by its private half so that whoever sends it is shown to
 * hold that key. The names in it are only the requester's wish; the authority decides what a certificate says
 * ({@link CertificateAuthority#issue(CertificateRequest, String, java.util.List, CertificateAuthority.Usage,
 * java.time.Duration)}).
 */
public final class CertificateRequest {
    /** Generous for a P-256 or RSA-4096 request; a longer one is refused before parsing. */
    public static final int MAX_ENCODED_LENGTH = 4096;

    private final PublicKey publicKey;
    private final String commonName;

    private CertificateRequest(PublicKey publicKey, String commonName) {
        this.publicKey = publicKey;
        this.commonName = commonName;
    }

    /** The DER encoding of a request for {@code keys}, naming {@code commonName}. */
    public static byte[] create(KeyPair keys, String commonName) {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + commonName), keys.getPublic());
            return builder.build(new JcaContentSignerBuilder(Keys.signatureAlgorithm(keys.getPrivate()))
                            .build(keys.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign a certificate request", e);
        }
    }

    /** Parses a DER request and checks its signature: one that does not verify is refused. */
    public static CertificateRequest parse(byte[] der) throws KeyMaterialException {
        if (der.length == 0 || der.length > MAX_ENCODED_LENGTH) {
            throw new KeyMaterialException(
                    "certificate request of " + der.length + " bytes (1.." + MAX_ENCODED_LENGTH + ")");
        }
        try {
            var request = new JcaPKCS10CertificationRequest(der);
            PublicKey key = request.getPublicKey();
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new KeyMaterialException("certificate request signature does not verify");
            }
            var names = request.getSubject().getRDNs(BCStyle.CN);
            String cn =
                    names.length == 0 ? null : names[0].getFirst().getValue().toString();
            return new CertificateRequest(key, cn);
        } catch (KeyMaterialException e) {
            throw e;
        } catch (Exception e) {
            // A hostile request can fail anywhere in ASN.1 parsing; all of it is one typed refusal.
            throw new KeyMaterialException("malformed certificate request: " + e.getMessage(), e);
        }
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The CN the requester asked for, or null. */
    public String commonName() {
        return commonName;
    }
}
