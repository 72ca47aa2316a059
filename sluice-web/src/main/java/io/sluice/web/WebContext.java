package io.sluice.web;

import io.sluice.common.EpochClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The application server's validated configuration.
 *
 * @param host address to listen on (loopback by default: put a TLS proxy in front to expose it)
 * @param port TCP port, 0 for any free one
 * @param mailboxDir where the other roles' mailboxes live
 * @param serverName the server's name, which names its mailbox directory ({@code sluice-UID-NAME/db}, ...)
 * @param dataDir the web role's own directory, created at start; it holds nothing yet (sessions live in memory,
 *     everything else in the database)
 * @param callTimeout how long a request waits for another process before answering 503
 * @param maxBodyBytes largest request body accepted
 * @param liveInterval how often the live feed asks the services (one second: the poll interval)
 * @param secureCookies mark the session cookie Secure; always so when {@code publicUrl} is https or TLS is on
 * @param publicUrl the URL people reach this server at, for the printed links; null: derived from host and port
 * @param tlsCertificate PEM certificate chain (leaf first) to serve HTTPS with; null: plain HTTP
 * @param tlsKey PEM private key of {@code tlsCertificate}, private to this user (0600)
 * @param allowPlaintext serve plain HTTP on a non-loopback address anyway (an isolated lab network)
 * @param pairStatusFile the supervisor's status.json when the server is one of a pair (its {@code ha} object is
 *     exported by {@code /metrics}, and every change is refused while it does not say active); null: a server on its
 *     own
 */
public record WebContext(
        String host,
        int port,
        Path mailboxDir,
        String serverName,
        Path dataDir,
        Duration callTimeout,
        int maxBodyBytes,
        Duration liveInterval,
        boolean secureCookies,
        String publicUrl,
        EpochClock clock,
        Path tlsCertificate,
        Path tlsKey,
        boolean allowPlaintext,
        Path pairStatusFile) {
    private static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public WebContext {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(mailboxDir, "mailboxDir");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve listen host " + host, e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535: " + port);
        }
        if (serverName == null || !SERVER_NAME.matcher(serverName).matches()) {
            throw new IllegalArgumentException("server name must be 1-64 letters, digits, '_' or '-': " + serverName);
        }
        if (callTimeout.isNegative() || callTimeout.isZero() || callTimeout.toSeconds() > 60) {
            throw new IllegalArgumentException("call timeout must be in (0, 60 s]: " + callTimeout);
        }
        if (maxBodyBytes < 1024 || maxBodyBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("max body must be 1 KiB - 16 MiB: " + maxBodyBytes);
        }
        if (liveInterval.toMillis() < 100 || liveInterval.toMillis() > 60_000) {
            throw new IllegalArgumentException("live interval must be 100 ms - 60 s: " + liveInterval);
        }
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate file and a key file");
        }
        checkPlaintext(host, publicUrl, tlsCertificate != null, allowPlaintext);
        secureCookies =
                secureCookies || tlsCertificate != null || publicUrl != null && publicUrl.startsWith("https://");
    }

    /**
     * Refuses to serve passwords and session cookies in plain HTTP on a network: a non-loopback listen address needs
     * TLS here, or an https public URL (a TLS proxy in front), or an explicit {@code allowPlaintext}. Also the server
     * configuration's check, so a bad file fails before any role starts.
     */
    public static void checkPlaintext(String host, String publicUrl, boolean tls, boolean allowPlaintext) {
        if (publicUrl != null && !publicUrl.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
            throw new IllegalArgumentException("public URL must be http(s)://HOST[:PORT][/PATH]: " + publicUrl);
        }
        if (tls || allowPlaintext || publicUrl != null && publicUrl.startsWith("https://")) {
            return;
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve listen host " + host, e);
        }
        if (!loopback) {
            throw new IllegalArgumentException("refusing plain HTTP on " + host + ", which is not a loopback address: "
                    + "give a TLS certificate and key, or an https public URL when a TLS proxy is in front, "
                    + "or allow plaintext explicitly");
        }
    }

    /** Whether this server speaks HTTPS itself. */
    public boolean tls() {
        return tlsCertificate != null;
    }

    public static WebContext defaults(Path mailboxDir, String serverName, Path dataDir) {
        return new WebContext(
                "127.0.0.1",
                8080,
                mailboxDir,
                serverName,
                dataDir,
                Duration.ofSeconds(3),
                64 * 1024,
                Duration.ofSeconds(1),
                false,
                null,
                EpochClock.system(),
                null,
                null,
                false,
                null);
    }

    public WebContext withListen(String newHost, int newPort) {
        Edit edit = new Edit(this);
        edit.host = newHost;
        edit.port = newPort;
        return edit.done();
    }

    public WebContext withCallTimeout(Duration timeout) {
        Edit edit = new Edit(this);
        edit.callTimeout = timeout;
        return edit.done();
    }

    public WebContext withClock(EpochClock newClock) {
        Edit edit = new Edit(this);
        edit.clock = newClock;
        return edit.done();
    }

    public WebContext withPublicUrl(String url, boolean secure) {
        Edit edit = new Edit(this);
        edit.publicUrl = url;
        edit.secureCookies = secure;
        return edit.done();
    }

    /** Serve HTTPS with this PEM certificate chain and key (both null: plain HTTP). */
    public WebContext withTls(Path certificate, Path key) {
        Edit edit = new Edit(this);
        edit.tlsCertificate = certificate;
        edit.tlsKey = key;
        return edit.done();
    }

    /** Listen, host and the plaintext permission together, since only together can they be checked. */
    public WebContext withListen(String newHost, int newPort, boolean plaintextAllowed) {
        Edit edit = new Edit(this);
        edit.host = newHost;
        edit.port = newPort;
        edit.allowPlaintext = plaintextAllowed;
        return edit.done();
    }

    /**
     * A server in a pair: the supervisor's status file, whose {@code ha} object (role, holder, epoch) {@code /metrics}
     * exports; null for a server on its own.
     */
    public WebContext withPairStatus(Path file) {
        Edit edit = new Edit(this);
        edit.pairStatusFile = file;
        return edit.done();
    }

    /** A copy of a context to change a few fields of; {@link #done} validates the result as a new context. */
    private static final class Edit {
        private String host;
        private int port;
        private Path mailboxDir;
        private String serverName;
        private Path dataDir;
        private Duration callTimeout;
        private int maxBodyBytes;
        private Duration liveInterval;
        private boolean secureCookies;
        private String publicUrl;
        private EpochClock clock;
        private Path tlsCertificate;
        private Path tlsKey;
        private boolean allowPlaintext;
        private Path pairStatusFile;

        private Edit(WebContext from) {
            host = from.host;
            port = from.port;
            mailboxDir = from.mailboxDir;
            serverName = from.serverName;
            dataDir = from.dataDir;
            callTimeout = from.callTimeout;
            maxBodyBytes = from.maxBodyBytes;
            liveInterval = from.liveInterval;
            secureCookies = from.secureCookies;
            publicUrl = from.publicUrl;
            clock = from.clock;
            tlsCertificate = from.tlsCertificate;
            tlsKey = from.tlsKey;
            allowPlaintext = from.allowPlaintext;
            pairStatusFile = from.pairStatusFile;
        }

        private WebContext done() {
            return new WebContext(
                    host,
                    port,
                    mailboxDir,
                    serverName,
                    dataDir,
                    callTimeout,
                    maxBodyBytes,
                    liveInterval,
                    secureCookies,
                    publicUrl,
                    clock,
                    tlsCertificate,
                    tlsKey,
                    allowPlaintext,
                    pairStatusFile);
        }
    }
}
