package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.web.WebContext;
import io.sluice.web.WebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice web}: the application server on its own (REST API, dashboard, /metrics). */
@Command(name = "web", mixinStandardHelpOptions = true,
        description = "Run the application server: REST API, live dashboard, sign-in, Prometheus /metrics.")
final class WebCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "HOST:PORT to serve HTTP on (default ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--mailbox-dir", defaultValue = "/dev/shm", description = "where the mailboxes live")
    Path mailboxDir;

    @Option(names = "--mailbox-name", defaultValue = "sluice", description = "prefix of the mailbox files (default ${DEFAULT-VALUE})")
    String mailboxName;

    @Option(names = "--data-dir", defaultValue = "sluice-web-data", description = "the web role's own files (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--call-timeout", defaultValue = "3000", description = "ms a request waits for another process before 503 (default ${DEFAULT-VALUE})")
    long callTimeout;

    @Option(names = "--public-url", description = "the URL people use (e.g. https://sluice.example.com behind a TLS proxy); marks cookies Secure when https")
    String publicUrl;

    @Override
    public Integer call() throws Exception {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT: " + listen);
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(listen.substring(colon + 1));
        WebContext context = WebContext.defaults(mailboxDir, mailboxName, dataDir).withListen(host, port)
                .withCallTimeout(Duration.ofMillis(callTimeout))
                .withPublicUrl(publicUrl, publicUrl != null && publicUrl.startsWith("https://"));
        try (UntilSignalled signal = new UntilSignalled(10_000);
             WebServer server = new WebServer(context, System.out::println)) {
            signal.awaitStop(0);
        }
        return ExitCode.OK;
    }
}
