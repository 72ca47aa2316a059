package io.sluice.web.http;

import io.sluice.pki.KeyMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The web role's HTTPS listener: the operator's PEM certificate chain and key (as {@code ./sluice pki issue --usage
 * SERVER} writes them, or any CA's), TLS 1.3 and 1.2 only, and for 1.2 only forward-secret AEAD suites, which every
 * browser of the last decade offers.
 */
public final class HttpsConnector {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final String[] CIPHER_SUITES = {
        "TLS_AES_.*",
        "TLS_CHACHA20_.*",
        "TLS_ECDHE_(ECDSA|RSA)_WITH_AES_(128|256)_GCM_.*",
        "TLS_ECDHE_(ECDSA|RSA)_WITH_CHACHA20_POLY1305_.*"
    };
    private static final char[] IN_MEMORY_PASSWORD = "sluice-web".toCharArray();

    private final SslContextFactory.Server tls;
    private final String host;
    private final int port;

    /** Reads the key material now, so a missing, foreign or mismatched file stops the start with its name. */
    public HttpsConnector(Path certificate, Path key, String host, int port) {
        KeyMaterial own;
        try {
            own = KeyMaterial.load(certificate, key);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot use the web TLS certificate " + certificate + " and key " + key + ": " + e.getMessage(), e);
        }
        this.tls = new SslContextFactory.Server();
        tls.setKeyStore(keyStore(own));
        tls.setKeyStorePassword(new String(IN_MEMORY_PASSWORD));
        tls.setIncludeProtocols(PROTOCOLS);
        tls.setIncludeCipherSuites(CIPHER_SUITES);
        this.host = host;
        this.port = port;
    }

    private static KeyStore keyStore(KeyMaterial own) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("web", own.key(), IN_MEMORY_PASSWORD, own.chain().toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the web TLS key in memory", e);
        }
    }

    /** For Javalin's {@code addConnector}: the TLS connector on the configured host and port. */
    public ServerConnector create(Server server, HttpConfiguration http) {
        http.addCustomizer(new SecureRequestCustomizer());
        ServerConnector connector = new ServerConnector(
                server,
                new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }
}
