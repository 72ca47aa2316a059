package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.common.HostPort;
import io.sluice.web.WebContext;
import io.sluice.web.WebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice web}: the application server on its own (REST API, dashboard, /metrics). */
@Command(
        name = "web",
        mixinStandardHelpOptions = true,
        description = "Run the application server: REST API, live dashboard, sign-in, Prometheus /metrics.")
final class WebCommand implements Callable<Integer> {
    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:8080",
            description = "HOST:PORT to serve HTTP on (default ${DEFAULT-VALUE})")
    String listen;

    @Mixin
    MailboxOptions mailboxes = new MailboxOptions();

    @Option(
            names = "--data-dir",
            defaultValue = "sluice-web-data",
            description = "the web role's own files (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(
            names = "--call-timeout",
            defaultValue = "3000",
            description = "ms a request waits for another process before 503 (default ${DEFAULT-VALUE})")
    long callTimeout;

    @Option(
            names = "--public-url",
            description =
                    "the URL people use (e.g. https://sluice.example.com behind a TLS proxy); marks cookies Secure and sends HSTS when https")
    String publicUrl;

    @Option(
            names = "--tls-certificate",
            description = "serve HTTPS (TLS 1.3/1.2) with this PEM certificate chain, leaf first")
    Path tlsCertificate;

    @Option(
            names = "--tls-key",
            description = "the PEM private key of --tls-certificate (must be this user's, mode 0600)")
    Path tlsKey;

    @Option(
            names = "--allow-plaintext",
            description = "serve plain HTTP on a non-loopback address anyway (refused otherwise)")
    boolean allowPlaintext;

    @Option(
            names = "--pair-status",
            description = "a server in a pair: the supervisor's status.json, whose role, "
                    + "lease holder and epoch /metrics exports (sluice_pair_*); while it does not say active, "
                    + "every change is refused (503 standby, naming the active)")
    Path pairStatus;

    @Override
    public Integer call() throws Exception {
        HostPort address = HostPort.parseListen("--listen", listen);
        // The listen address last: whether it may be plain HTTP depends on the public URL and TLS before it.
        WebContext context = WebContext.defaults(mailboxes.dir, mailboxes.name, dataDir)
                .withCallTimeout(Duration.ofMillis(callTimeout))
                .withPublicUrl(publicUrl, publicUrl != null && publicUrl.startsWith("https://"))
                .withTls(tlsCertificate, tlsKey)
                .withListen(address.host(), address.port(), allowPlaintext)
                .withPairStatus(pairStatus);
        try (UntilSignalled signal = new UntilSignalled(10_000);
                WebServer server = new WebServer(context, System.out::println)) {
            signal.awaitStop(0);
        }
        return ExitCode.OK;
    }
}
