package io.sluice.monitor;

import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The TLS of a monitor on 127.0.0.1 whose certificate and gateways come from a test's own CA. */
final class TestMonitorTls {
    private TestMonitorTls() {}

    /** @param gatewayValidity the life of the certificates it signs for enrolling gateways, or null to sign none */
    static MonitorTls from(CertificateAuthority ca, Duration gatewayValidity) throws IOException {
        KeyMaterial own = ca.issueKeyMaterial(
                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        return MonitorTls.of(ca, own, gatewayValidity);
    }
}
