package io.sluice.gateway;

import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import io.sluice.pki.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * The files of the gateway's TLS link to its monitor ({@code monitor.tls-ca}, {@code tls-cert}, {@code tls-key}, or
 * {@code --monitor-tls-*}): the authority that signed the monitor's certificate, and this gateway's own certificate
 * (CN {@code gateway-<id>}) and key, which must be private to the gateway's user. All three or none.
 */
record MonitorTlsFiles(String ca, String cert, String key) {
    MonitorTlsFiles withCa(String file) {
        return new MonitorTlsFiles(file, cert, key);
    }

    MonitorTlsFiles withCert(String file) {
        return new MonitorTlsFiles(ca, file, key);
    }

    MonitorTlsFiles withKey(String file) {
        return new MonitorTlsFiles(ca, cert, file);
    }

    /** The TLS context, or null when none of the files is given (the monitor then speaks plaintext too). */
    SSLContext context() {
        if (ca == null && cert == null && key == null) {
            return null;
        }
        if (ca == null || cert == null || key == null) {
            throw new IllegalArgumentException("the monitor link's TLS needs all of tls-ca, tls-cert and tls-key "
                    + "(--monitor-tls-ca, --monitor-tls-cert, --monitor-tls-key)");
        }
        try {
            KeyMaterial own = KeyMaterial.load(Path.of(cert), Path.of(key));
            return TlsContexts.create(own, PemFiles.readCertificates(Path.of(ca)));
        } catch (IOException e) {
            throw new IllegalArgumentException("monitor TLS: " + e.getMessage(), e);
        }
    }
}
