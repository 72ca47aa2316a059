package io.sluice.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 contexts and engines from Sluice's key material. Only TLS 1.3 is offered: every peer Sluice talks to (its own
 * gateways, nbdkit, qemu, libnbd) speaks it, and it leaves no weak suite to configure.
 */
public final class TlsContexts {
    public static final String PROTOCOL = "TLSv1.3";
    private static final char[] IN_MEMORY_PASSWORD = "sluice".toCharArray();

    /** Whether a server asks its clients for a certificate. */
    public enum ClientAuth {
        /** The client must present a certificate the trusted authorities signed. */
        REQUIRED,
        /** A client may present one (then it must verify); one without is let through, to authenticate otherwise. */
        OPTIONAL,
        NONE
    }

    private TlsContexts() {}

    /**
     * A context proving itself with {@code own} (null for a client without a certificate) and trusting peers whose
     * chains end at one of {@code trusted} (no certificate at all trusts nobody).
     */
    public static SSLContext create(KeyMaterial own, List<X509Certificate> trusted) {
        return create(own, trusted, RevocationList.none());
    }

    /** As {@link #create(KeyMaterial, List)}, and a peer whose certificate {@code revoked} lists is refused. */
    public static SSLContext create(KeyMaterial own, List<X509Certificate> trusted, RevocationList revoked) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            if (own != null) {
                keyStore.setKeyEntry(
                        "own", own.key(), IN_MEMORY_PASSWORD, own.chain().toArray(X509Certificate[]::new));
            }
            keys.init(keyStore, IN_MEMORY_PASSWORD);

            KeyStore trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                trustStore.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);

            SSLContext context = SSLContext.getInstance(PROTOCOL);
            X509ExtendedTrustManager pkix = (X509ExtendedTrustManager) trust.getTrustManagers()[0];
            context.init(
                    keys.getKeyManagers(),
                    new TrustManager[] {new RevocationCheckingTrustManager(pkix, revoked)},
                    new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context", e);
        }
    }

    /** A server-side engine that offers TLS 1.3 only and treats client certificates as {@code clientAuth} says. */
    public static SSLEngine serverEngine(SSLContext context, ClientAuth clientAuth) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {PROTOCOL});
        switch (clientAuth) {
            case REQUIRED -> parameters.setNeedClientAuth(true);
            case OPTIONAL -> parameters.setWantClientAuth(true);
            case NONE -> parameters.setNeedClientAuth(false);
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    /**
     * A client-side engine for {@code host}: TLS 1.3 only, and the server's certificate must name that host (a DNS name
     * or an IP address in its subject alternative names), as HTTPS checks it.
     */
    public static SSLEngine clientEngine(SSLContext context, String host, int port) {
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {PROTOCOL});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }
}
