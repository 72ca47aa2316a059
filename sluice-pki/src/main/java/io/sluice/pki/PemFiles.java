package io.sluice.pki;

import io.sluice.common.PrivateFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates and private keys in PEM files, the form operators and other TLS software (nbdkit, qemu, openssl)
 * exchange them in. A private key is read only from a file that is its user's and closed to everybody else, as ssh
 * does, and is written that way.
 */
public final class PemFiles {
    private PemFiles() {}

    /** Every certificate in {@code file}, in order (a chain starts with its leaf); at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new KeyMaterialException(file, "no certificate in it");
            }
            return List.copyOf(certificates);
        } catch (CertificateException e) {
            throw new KeyMaterialException(file, "not a PEM certificate: " + e.getMessage());
        }
    }

    /** The private key in {@code file}: PKCS#8, or the "EC/RSA PRIVATE KEY" forms openssl writes. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        PrivateFiles.checkSecret(file);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                // The traditional forms may leave the public half out; the private half is all a key file is for.
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            throw new KeyMaterialException(
                    file,
                    object == null
                            ? "no PEM private key in it"
                            : "holds " + object.getClass().getSimpleName() + ", not an unencrypted private key");
        } catch (KeyMaterialException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new KeyMaterialException(file, "unreadable private key: " + e.getMessage());
        }
    }

    /**
     * Writes {@code certificates} to {@code file} atomically (certificates are public; the directory decides who sees
     * them).
     */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(PrivateFiles.ensureFile(temporary), encode(certificates), StandardCharsets.US_ASCII);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes {@code key} as PKCS#8 PEM into a file only this user may read (0600). An EC key carries its curve and its
     * public point, as openssl writes it: the JDK's encoding leaves the point out, and GnuTLS 3.7 (nbdkit, qemu,
     * libnbd) then refuses the file ("ASN1 parser: Element was not found").
     */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        byte[] pkcs8 = key instanceof ECPrivateKey ec ? completeEcKey(file, ec) : key.getEncoded();
        PrivateFiles.writeSecret(
                file, encode(List.of(new PemObject("PRIVATE KEY", pkcs8))).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] completeEcKey(Path file, ECPrivateKey key) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ASN1ObjectIdentifier curve =
                ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
        X9ECParameters parameters = ECNamedCurveTable.getByOID(curve);
        if (parameters == null) {
            throw new KeyMaterialException(file, "cannot encode an EC key on the unnamed curve " + curve);
        }
        ECPoint point = parameters.getG().multiply(key.getS()).normalize();
        // qualified name: ECPrivateKey here is java.security's; this is the SEC 1 structure of the same name
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                parameters.getN().bitLength(), key.getS(), new DERBitString(point.getEncoded(false)), curve);
        return new PrivateKeyInfo(info.getPrivateKeyAlgorithm(), sec1).getEncoded(ASN1Encoding.DER);
    }

    /** PEM text of certificates (or other PEM objects), concatenated. */
    public static String encode(List<?> objects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory failed", e);
        }
        return text.toString();
    }
}
