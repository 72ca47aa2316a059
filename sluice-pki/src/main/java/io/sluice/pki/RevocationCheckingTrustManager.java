package io.sluice.pki;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/** The JDK's PKIX checks (chain, validity, host name), then the authority's own list of withdrawn certificates. */
final class RevocationCheckingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final RevocationList revoked;

    RevocationCheckingTrustManager(X509ExtendedTrustManager pkix, RevocationList revoked) {
        this.pkix = pkix;
        this.revoked = revoked;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        refuseRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        refuseRevoked(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
        refuseRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        refuseRevoked(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        refuseRevoked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        refuseRevoked(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    private void refuseRevoked(X509Certificate[] chain) throws CertificateException {
        if (revoked.isRevoked(chain[0].getSerialNumber())) {
            throw new CertificateException(
                    "certificate " + chain[0].getSerialNumber().toString(16) + " (" + Certificates.commonName(chain[0])
                            + ") was revoked");
        }
    }
}
