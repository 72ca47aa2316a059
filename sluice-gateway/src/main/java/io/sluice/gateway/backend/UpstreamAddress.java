package io.sluice.gateway.backend;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where an upstream NBD export lives, from an NBD URI: {@code nbd://HOST[:PORT]/EXPORT} or
 * {@code nbd+unix:///EXPORT?socket=PATH} (the forms nbdinfo, nbdcopy and qemu understand).
 */
public record UpstreamAddress(SocketAddress socket, String exportName) {
    public static final int DEFAULT_PORT = 10809;

    public static boolean isUri(String text) {
        return text.startsWith("nbd://") || text.startsWith("nbd+unix://");
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
        if ("nbd".equals(uri.getScheme())) {
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("NBD URI without a host: " + text);
            }
            int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
            return new UpstreamAddress(new InetSocketAddress(uri.getHost(), port), export);
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
}
