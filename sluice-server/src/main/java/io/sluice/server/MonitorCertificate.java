package io.sluice.server;

import io.sluice.common.EpochClock;
import io.sluice.monitor.MonitorTls;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The monitor's side of TLS on the gateway link: the server's authority in the PKI directory (made on first start) and
 * the monitor's certificate next to it ({@value #CERTIFICATE_FILE}, {@value #KEY_FILE}), issued on first start for the
 * listen host (unless a wildcard), {@code localhost}, {@code 127.0.0.1} and the names an operator adds. Delete the two
 * files to have them issued again for other names.
 */
final class MonitorCertificate {
    static final String CERTIFICATE_FILE = "monitor.crt";
    static final String KEY_FILE = "monitor.key";
    static final Duration VALIDITY = Duration.ofDays(825);

    private MonitorCertificate() {}

    /**
     * @param gatewayValidity how long the certificates gateways enroll for (and renew) live, or null when the monitor
     *     issues none (every gateway must then present one the operator issued)
     */
    static MonitorTls load(Path pkiDir, String listenHost, List<String> extraNames, Duration gatewayValidity)
            throws IOException {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(pkiDir, "Sluice server CA", EpochClock.system());
        Path certificate = pkiDir.resolve(CERTIFICATE_FILE);
        Path key = pkiDir.resolve(KEY_FILE);
        KeyMaterial own;
        if (Files.exists(key)) {
            own = KeyMaterial.load(certificate, key);
        } else {
            Set<String> names = new LinkedHashSet<>();
            if (!listenHost.equals("0.0.0.0") && !listenHost.equals("::") && !listenHost.isEmpty()) {
                names.add(listenHost);
            }
            names.add("localhost");
            names.add("127.0.0.1");
            names.addAll(extraNames);
            own = ca.issueKeyMaterial(
                    "sluice-monitor", List.copyOf(names), CertificateAuthority.Usage.SERVER, VALIDITY);
            own.write(certificate, key);
        }
        return MonitorTls.of(ca, own, gatewayValidity);
    }
}
