package io.sluice.gateway.server;

import io.sluice.gateway.tls.EngineTlsChannel;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import io.sluice.pki.RevocationList;
import io.sluice.pki.TlsContexts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The NBD server's TLS (x509): its key and certificate and the authority its clients' certificates must chain to, read
 * from a directory laid out as nbdkit's and qemu's {@code --tls-certificates} / {@code tls-creds-x509 dir=}
 * ({@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem}; the key private to this user). TLS 1.3 only. A
 * client certificate is asked for but not demanded: one that is presented must verify, and exports that name allowed
 * certificates refuse clients without one.
 */
public final class NbdTls {
    private final SSLContext context;

    private NbdTls(SSLContext context) {
        this.context = context;
    }

    /**
     * {@code revocations}: the CA's list of withdrawn certificates ({@code sluice pki revoke} writes it to
     * {@code <data-dir>/pki/revoked}), consulted at every handshake; null when the CA keeps none.
     */
    public static NbdTls load(Path dir, Path revocations) throws IOException {
        KeyMaterial own = KeyMaterial.load(dir.resolve("server-cert.pem"), dir.resolve("server-key.pem"));
        return new NbdTls(TlsContexts.create(
                own,
                PemFiles.readCertificates(dir.resolve("ca-cert.pem")),
                revocations == null ? RevocationList.none() : new RevocationList(revocations)));
    }

    /**
     * Runs the server side of a TLS handshake over {@code channel} (blocking); throws when it fails. The session is an
     * SSLEngine's, so transmission can run it on the non-blocking socket.
     */
    EngineTlsChannel start(SocketChannel channel) throws IOException {
        InetSocketAddress peer = (InetSocketAddress) channel.getRemoteAddress();
        SSLEngine engine = context.createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {TlsContexts.PROTOCOL});
        parameters.setWantClientAuth(true);
        engine.setSSLParameters(parameters);
        return EngineTlsChannel.handshake(engine, channel);
    }

    /** The verified certificate the client presented, or null when it presented none. */
    static X509Certificate clientCertificate(EngineTlsChannel channel) {
        try {
            Certificate[] chain = channel.engine().getSession().getPeerCertificates();
            return chain.length == 0 ? null : (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
