package io.sluice.pki;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The SLA server's own certificate authority: a key and a self-signed certificate in a private directory
 * ({@value #CERTIFICATE_FILE}, {@value #KEY_FILE}), which signs the monitor's server certificate and the gateways'
 * client certificates. Operators who run their own CA give Sluice its files instead.
 *
 * <p>Issued certificates start five minutes in the past, so a peer whose clock is a little behind still accepts them,
 * and carry a random 127-bit serial.
 */
public final class CertificateAuthority {
    /** The authority's directory under a server's data directory. */
    public static final String DIRECTORY = "pki";

    public static final String CERTIFICATE_FILE = "ca.crt";
    public static final String KEY_FILE = "ca.key";
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /** What an issued certificate may be used for. */
    public enum Usage {
        /** A TLS server (the monitor, a gateway's NBD listener). */
        SERVER(KeyPurposeId.id_kp_serverAuth),
        /** A TLS client (a gateway towards the monitor, an NBD client). */
        CLIENT(KeyPurposeId.id_kp_clientAuth);

        private final KeyPurposeId purpose;

        Usage(KeyPurposeId purpose) {
            this.purpose = purpose;
        }
    }

    private final KeyMaterial own;
    private final EpochClock clock;
    private final CertificateIndex index;
    private final RevocationList revocations;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(Path dir, KeyMaterial own, EpochClock clock) {
        this.own = own;
        this.clock = clock;
        this.index = new CertificateIndex(dir.resolve(CertificateIndex.FILE));
        this.revocations = new RevocationList(dir.resolve(RevocationList.FILE));
    }

    /** Makes a new authority named {@code name} in {@code dir} (0700), refusing to replace one already there. */
    public static CertificateAuthority create(Path dir, String name, EpochClock clock) throws IOException {
        PrivateFiles.ensureDirectory(dir);
        if (Files.exists(dir.resolve(KEY_FILE)) || Files.exists(dir.resolve(CERTIFICATE_FILE))) {
            throw new KeyMaterialException(dir, "already holds a certificate authority");
        }
        KeyPair keys = Keys.generate();
        X500Name subject = new X500Name("CN=" + name);
        long now = clock.epochMillis();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            subject,
                            serial(new SecureRandom()),
                            new Date(now - CLOCK_SKEW.toMillis()),
                            new Date(now + CA_VALIDITY.toMillis()),
                            subject,
                            keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            KeyMaterial own = new KeyMaterial(keys.getPrivate(), List.of(certificate));
            own.write(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE));
            return new CertificateAuthority(dir, own, clock);
        } catch (NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException("cannot make a CA certificate", e);
        }
    }

    /** The authority kept in {@code dir}; its key file must be private to this user. */
    public static CertificateAuthority load(Path dir, EpochClock clock) throws IOException {
        PrivateFiles.checkDirectory(dir);
        KeyMaterial own = KeyMaterial.load(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE));
        if (own.certificate().getBasicConstraints() < 0) {
            throw new KeyMaterialException(dir.resolve(CERTIFICATE_FILE), "is not a CA certificate");
        }
        return new CertificateAuthority(dir, own, clock);
    }

    /** The authority in {@code dir}, made on first use. */
    public static CertificateAuthority loadOrCreate(Path dir, String name, EpochClock clock) throws IOException {
        return Files.exists(dir.resolve(KEY_FILE)) ? load(dir, clock) : create(dir, name, clock);
    }

    /** The authority's certificate: what peers are given to trust. */
    public X509Certificate certificate() {
        return own.certificate();
    }

    /** Every certificate this authority issued. */
    public CertificateIndex index() {
        return index;
    }

    /** The certificates this authority withdrew; give it to the TLS contexts that trust this authority. */
    public RevocationList revocations() {
        return revocations;
    }

    /** Withdraws the certificate with {@code serial}: refused from the next handshake on. */
    public void revoke(BigInteger serial) throws IOException {
        revocations.revoke(serial, clock.epochMillis());
    }

    /** A new key pair and a certificate for it, for a party this authority makes keys for itself (the monitor). */
    public KeyMaterial issueKeyMaterial(String commonName, List<String> subjectAltNames, Usage usage, Duration validity)
            throws IOException {
        KeyPair keys = Keys.generate();
        X509Certificate certificate = issue(keys.getPublic(), commonName, subjectAltNames, usage, validity);
        return new KeyMaterial(keys.getPrivate(), List.of(certificate, certificate()));
    }

    /** A certificate for the key in a verified request; the names are the authority's choice, not the request's. */
    public X509Certificate issue(
            CertificateRequest request, String commonName, List<String> subjectAltNames, Usage usage, Duration validity)
            throws IOException {
        return issue(request.publicKey(), commonName, subjectAltNames, usage, validity);
    }

    /**
     * A certificate for {@code key}, naming {@code commonName}; each subject alternative name is an IP address when it
     * is an address literal, else a DNS name. It is in the {@link #index()} before it is returned.
     */
    public X509Certificate issue(
            PublicKey key, String commonName, List<String> subjectAltNames, Usage usage, Duration validity)
            throws IOException {
        X509Certificate issued = sign(key, commonName, subjectAltNames, usage, validity);
        index.record(List.of(issued), usage);
        return issued;
    }

    /**
     * A certificate for {@code key} per name in {@code commonNames} (no alternative names), in that order, all recorded
     * in the {@link #index()} with one write before any is returned: a simulator issuing thousands of identities pays
     * for one forced write, not one each.
     */
    public List<X509Certificate> issueAll(PublicKey key, List<String> commonNames, Usage usage, Duration validity)
            throws IOException {
        List<X509Certificate> issued = new ArrayList<>(commonNames.size());
        for (String commonName : commonNames) {
            issued.add(sign(key, commonName, List.of(), usage, validity));
        }
        index.record(issued, usage);
        return issued;
    }

    private X509Certificate sign(
            PublicKey key, String commonName, List<String> subjectAltNames, Usage usage, Duration validity) {
        long now = clock.epochMillis();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            certificate(),
                            serial(random),
                            new Date(now - CLOCK_SKEW.toMillis()),
                            new Date(now + validity.toMillis()),
                            new X500Name("CN=" + commonName),
                            key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage.purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(certificate()));
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, generalNames(subjectAltNames));
            }
            return sign(builder, own.key());
        } catch (CertIOException | NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    private static GeneralNames generalNames(List<String> names) {
        GeneralName[] general = new GeneralName[names.size()];
        for (int i = 0; i < general.length; i++) {
            String name = names.get(i);
            general[i] = new GeneralName(isAddressLiteral(name) ? GeneralName.iPAddress : GeneralName.dNSName, name);
        }
        return new GeneralNames(general);
    }

    private static boolean isAddressLiteral(String name) {
        try {
            InetAddress.ofLiteral(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).setBit(0);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws CertificateException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder(Keys.signatureAlgorithm(key)).build(key)));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with the CA key", e);
        }
    }
}
