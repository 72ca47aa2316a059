package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.REP_ERR_POLICY;
import static io.sluice.gateway.nbd.NbdDescriptor.REP_ERR_TLS_REQD;

import io.sluice.pki.Certificates;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may use an export: whether TLS is needed, which client certificates (by common name or SHA-256 fingerprint;
 * either matches) and which source addresses. An export a client may not use is not listed to it and refused when
 * named, so nothing about it is given away to a client that cannot have it.
 *
 * @param tls whether the export is served over TLS
 * @param clientNames certificate common names let in (empty with no fingerprints: any certificate the CA signed)
 * @param fingerprints SHA-256 fingerprints of certificates let in, lower-case hex without separators
 * @param sources source address blocks let in (empty: any)
 */
public record ExportAccess(Tls tls, Set<String> clientNames, Set<String> fingerprints, List<AddressRange> sources) {
    /** No restriction beyond what the gateway's TLS mode implies. */
    public static final ExportAccess OPEN = new ExportAccess(Tls.ALLOW, Set.of(), Set.of(), List.of());

    /** How an export uses TLS (the {@code tls:} key). */
    public enum Tls {
        /** Only to a client that has started TLS (NBD_OPT_STARTTLS): plaintext clients get NBD_REP_ERR_TLS_REQD. */
        REQUIRE,
        /** To clients with or without TLS. */
        ALLOW,
        /** Only in plaintext: a client that started TLS neither sees nor gets it. */
        OFF;

        public static Tls parse(String value) {
            try {
                return valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tls must be require, allow or off: " + value);
            }
        }
    }

    public ExportAccess {
        clientNames = Set.copyOf(clientNames);
        fingerprints =
                fingerprints.stream().map(ExportAccess::normalizeFingerprint).collect(Collectors.toUnmodifiableSet());
        sources = List.copyOf(sources);
        if ((!clientNames.isEmpty() || !fingerprints.isEmpty()) && tls != Tls.REQUIRE) {
            throw new IllegalArgumentException("allowed client certificates need tls: require");
        }
    }

    /** Whether only some client certificates are let in. */
    public boolean restrictsCertificates() {
        return !clientNames.isEmpty() || !fingerprints.isEmpty();
    }

    /**
     * 0 when the client may use the export, else the option error to answer: NBD_REP_ERR_TLS_REQD when starting TLS
     * could change the answer, NBD_REP_ERR_POLICY otherwise.
     *
     * @param client the verified certificate the client presented in TLS, or null
     */
    public int verdict(InetAddress source, boolean overTls, X509Certificate client) {
        if (!sources.isEmpty() && sources.stream().noneMatch(range -> range.contains(source))) {
            return REP_ERR_POLICY;
        }
        return switch (tls) {
            case REQUIRE -> !overTls ? REP_ERR_TLS_REQD : certificateAllowed(client) ? 0 : REP_ERR_POLICY;
            case ALLOW -> 0;
            case OFF -> overTls ? REP_ERR_POLICY : 0;
        };
    }

    private boolean certificateAllowed(X509Certificate client) {
        if (!restrictsCertificates()) {
            return true;
        }
        if (client == null) {
            return false;
        }
        return clientNames.contains(Certificates.commonName(client))
                || fingerprints.contains(Certificates.fingerprint(client));
    }

    private static String normalizeFingerprint(String value) {
        String hex = value.replace(":", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not a SHA-256 fingerprint (64 hex digits, colons allowed): " + value);
        }
        return hex;
    }
}
