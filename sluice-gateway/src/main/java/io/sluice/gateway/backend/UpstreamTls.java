package io.sluice.gateway.backend;

import io.sluice.gateway.tls.TlsChannel;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import io.sluice.pki.TlsContexts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The gateway as a TLS client of an upstream NBD server (nbdkit, qemu-nbd, another gateway), from a client directory
 * laid out as libnbd's: ca-cert.pem, and client-cert.pem with client-key.pem when the upstream verifies its clients.
 * TLS 1.3 only; the upstream's certificate must name the host the URI names (a DNS name or an IP address in its subject
 * alternative names).
 */
final class UpstreamTls {
    private final SSLContext context;
    private final InetSocketAddress upstream;

    private UpstreamTls(SSLContext context, InetSocketAddress upstream) {
        this.context = context;
        this.upstream = upstream;
    }

    static UpstreamTls load(Path dir, InetSocketAddress upstream) throws IOException {
        Path certificate = dir.resolve("client-cert.pem");
        KeyMaterial own =
                Files.exists(certificate) ? KeyMaterial.load(certificate, dir.resolve("client-key.pem")) : null;
        return new UpstreamTls(
                TlsContexts.create(own, PemFiles.readCertificates(dir.resolve("ca-cert.pem"))), upstream);
    }

    /** The client side of the TLS handshake over {@code raw}, after the upstream acknowledged NBD_OPT_STARTTLS. */
    TlsChannel start(SocketChannel raw) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket(raw.socket(), upstream.getHostString(), upstream.getPort(), false);
        socket.setUseClientMode(true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {TlsContexts.PROTOCOL});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        return TlsChannel.handshake(socket, raw);
    }
}
