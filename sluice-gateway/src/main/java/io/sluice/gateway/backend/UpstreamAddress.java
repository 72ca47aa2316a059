package io.sluice.gateway.backend;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where an upstream NBD export lives, from an NBD URI: {@code nbd://HOST[:PORT]/EXPORT},
 * {@code nbd+unix:///EXPORT?socket=PATH} (the forms nbdinfo, nbdcopy and qemu understand), or over TLS
 * {@code nbds://HOST[:PORT]/EXPORT?tls-certificates=DIR} (as libnbd spells it; DIR holds ca-cert.pem and, for an
 * upstream that verifies its clients, client-cert.pem and client-key.pem).
 *
 * @param tlsCertificates the client's TLS directory, or null for plaintext
 */
public record UpstreamAddress(SocketAddress socket, String exportName, Path tlsCertificates) {
    public static final int DEFAULT_PORT = 10809;

    public UpstreamAddress(SocketAddress socket, String exportName) {
        this(socket, exportName, null);
    }

    public static boolean isUri(String text) {
        return text.startsWith("nbd://")
                || text.startsWith("nbd+unix://")
                || text.startsWith("nbds://")
                || text.startsWith("nbds+unix://");
    }

    public static UpstreamAddress parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not an NBD URI: " + text, e);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String export = path.startsWith("/") ? path.substring(1) : path;
        if ("nbd".equals(uri.getScheme()) || "nbds".equals(uri.getScheme())) {
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("NBD URI without a host: " + text);
            }
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            Path certificates = null;
            if ("nbds".equals(uri.getScheme())) {
                String dir = parameter(uri, "tls-certificates");
                if (dir == null) {
                    throw new IllegalArgumentException("nbds URI without ?tls-certificates=DIR: " + text);
                }
                certificates = Path.of(dir);
            }
            return new UpstreamAddress(new InetSocketAddress(uri.getHost(), port), export, certificates);
        }
        if ("nbds+unix".equals(uri.getScheme())) {
            throw new IllegalArgumentException(
                    "TLS to an upstream on a Unix socket is not supported (use nbds://HOST:PORT): " + text);
        }
        if ("nbd+unix".equals(uri.getScheme())) {
            String query = uri.getQuery() == null ? "" : uri.getQuery();
            for (String parameter : query.split("&")) {
                if (parameter.startsWith("socket=")) {
                    return new UpstreamAddress(UnixDomainSocketAddress.of(Path.of(parameter.substring(7))), export);
                }
            }
            throw new IllegalArgumentException("nbd+unix URI without ?socket=: " + text);
        }
        throw new IllegalArgumentException("not an NBD URI: " + text);
    }

    private static String parameter(URI uri, String name) {
        String query = uri.getQuery() == null ? "" : uri.getQuery();
        for (String parameter : query.split("&")) {
            if (parameter.startsWith(name + "=")) {
                return parameter.substring(name.length() + 1);
            }
        }
        return null;
    }
}
