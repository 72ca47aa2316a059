package io.sluice.gateway;

import io.sluice.common.EpochClock;
import io.sluice.gateway.link.LinkIdentity;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import io.sluice.pki.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The files of the gateway's TLS link to its monitor: the authority that signed the monitor's certificate
 * ({@code monitor.tls-ca}, {@code --monitor-tls-ca}), and this gateway's own certificate, either one the operator
 * issued ({@code tls-cert} and {@code tls-key}, {@code --monitor-tls-cert}, {@code --monitor-tls-key}; the key must be
 * private to the gateway's user) or one the gateway enrolls for and renews by itself, kept in a state directory
 * ({@code state-dir}, {@code --monitor-state-dir}).
 */
record MonitorTlsFiles(String ca, String cert, String key, String stateDir) {
    MonitorTlsFiles withCa(String file) {
        return new MonitorTlsFiles(file, cert, key, stateDir);
    }

    MonitorTlsFiles withCert(String file) {
        return new MonitorTlsFiles(ca, file, key, stateDir);
    }

    MonitorTlsFiles withKey(String file) {
        return new MonitorTlsFiles(ca, cert, file, stateDir);
    }

    MonitorTlsFiles withStateDir(String dir) {
        return new MonitorTlsFiles(ca, cert, key, dir);
    }

    boolean none() {
        return ca == null && cert == null && key == null && stateDir == null;
    }

    /** The gateway's TLS identity towards the monitor, or null when none of the files is given. */
    LinkIdentity identity(long gatewayId) {
        if (none()) {
            return null;
        }
        if (ca == null) {
            throw new IllegalArgumentException(
                    "the monitor link's TLS needs tls-ca (--monitor-tls-ca), the authority the "
                            + "monitor's certificate comes from (<data-dir>/pki/ca.crt on the server)");
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(
                    "the monitor link's TLS needs both tls-cert and tls-key (--monitor-tls-cert, "
                            + "--monitor-tls-key), or neither and a state-dir to enroll for a certificate");
        }
        if (cert == null && stateDir == null) {
            throw new IllegalArgumentException(
                    "the monitor link's TLS needs this gateway's certificate: tls-cert and tls-key "
                            + "(issued with ./sluice pki issue), or a state-dir (--monitor-state-dir) where the gateway keeps the one it "
                            + "enrolls for with its enrollment token");
        }
        if (cert != null && stateDir != null) {
            throw new IllegalArgumentException(
                    "the monitor link's TLS takes tls-cert and tls-key, or a state-dir, not both");
        }
        try {
            if (cert != null) {
                KeyMaterial own = KeyMaterial.load(Path.of(cert), Path.of(key));
                return LinkIdentity.issued(TlsContexts.create(own, PemFiles.readCertificates(Path.of(ca))));
            }
            return LinkIdentity.enrolled(
                    Path.of(stateDir), PemFiles.readCertificates(Path.of(ca)), gatewayId, EpochClock.system());
        } catch (IOException e) {
            throw new IllegalArgumentException("monitor TLS: " + e.getMessage(), e);
        }
    }
}
