package io.sluice.pki;

import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Every certificate an authority issued, one tab-separated line each in {@value #FILE} (serial, usage, not-after,
 * SHA-256 fingerprint, common name), appended and forced to disk before the certificate is handed out: what
 * {@code sluice pki list} shows and {@code sluice pki revoke} looks names up in.
 */
public final class CertificateIndex {
    public static final String FILE = "issued";

    /** One issued certificate. */
    public record Entry(
            BigInteger serial,
            CertificateAuthority.Usage usage,
            long notAfterMillis,
            String fingerprint,
            String commonName) {}

    private final Path file;

    public CertificateIndex(Path file) {
        this.file = file;
    }

    /** Appends a line per certificate with one write, forced to disk before it returns. */
    synchronized void record(List<X509Certificate> certificates, CertificateAuthority.Usage usage) throws IOException {
        PrivateFiles.ensureFile(file);
        StringBuilder lines = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            lines.append(certificate.getSerialNumber().toString(16))
                    .append('\t')
                    .append(usage)
                    .append('\t')
                    .append(certificate.getNotAfter().getTime())
                    .append('\t')
                    .append(Certificates.fingerprint(certificate))
                    .append('\t')
                    .append(Certificates.commonName(certificate))
                    .append('\n');
        }
        Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    }

    /** The certificates issued so far, oldest first. */
    public synchronized List<Entry> entries() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String[] fields = line.split("\t", 5);
            try {
                entries.add(new Entry(
                        new BigInteger(fields[0], 16),
                        CertificateAuthority.Usage.valueOf(fields[1]),
                        Long.parseLong(fields[2]),
                        fields[3],
                        fields[4]));
            } catch (RuntimeException e) {
                throw new KeyMaterialException(file, "line " + number + " is not an index entry");
            }
        }
        return entries;
    }
}
