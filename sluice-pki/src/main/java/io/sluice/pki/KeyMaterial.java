package io.sluice.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key and its certificate chain (leaf first): what one side of a TLS link proves itself with. */
public record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
    public KeyMaterial {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least its leaf");
        }
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** Reads a PEM certificate chain and its PEM private key (which must be private to this user). */
    public static KeyMaterial load(Path certificateFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = PemFiles.readCertificates(certificateFile);
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        if (!Certificates.matches(chain.getFirst(), key)) {
            throw new KeyMaterialException(keyFile, "is not the key of " + certificateFile);
        }
        return new KeyMaterial(key, chain);
    }

    public void write(Path certificateFile, Path keyFile) throws IOException {
        PemFiles.writePrivateKey(keyFile, key);
        PemFiles.writeCertificates(certificateFile, chain);
    }
}
