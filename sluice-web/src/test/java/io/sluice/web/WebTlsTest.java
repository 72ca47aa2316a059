package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.TlsContexts;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.InMemoryBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web role serving HTTPS itself, with a certificate the server's own CA issued, checked by real clients. */
class WebTlsTest {
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path dir;

    @Test
    void servesHttpsOnTls13And12OnlyWithHstsAndSecureCookiesToAClientTrustingTheCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("pki"), "Web Test CA", EpochClock.system());
        KeyMaterial own = ca.issueKeyMaterial(
                "localhost", List.of("localhost", "127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        Path certificate = dir.resolve("web.crt");
        Path key = dir.resolve("web.key");
        own.write(certificate, key);
        List<String> said = new CopyOnWriteArrayList<>();
        WebContext context = WebContext.defaults(dir, "tls", dir.resolve("web-tls"))
                .withTls(certificate, key)
                .withListen("127.0.0.1", 0);
        try (InMemoryBackend backend = new InMemoryBackend(dir, "tls");
                WebServer server = new WebServer(context, said::add)) {
            assertThat(backend.serverName()).isEqualTo("tls");
            assertThat(said).anyMatch(l -> l.startsWith("Sluice web server listening on https://127.0.0.1:"));
            SSLContext trustingTheCa = TlsContexts.create(null, List.of(ca.certificate()));
            String base = "https://localhost:" + server.port();

            HttpResponse<String> session = send(
                    HttpClient.newBuilder().sslContext(trustingTheCa).build(),
                    HttpRequest.newBuilder(URI.create(base + "/api/session")).build());
            assertThat(session.statusCode()).isEqualTo(200);
            assertThat(session.sslSession())
                    .hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
            assertThat(session.headers().firstValue("Strict-Transport-Security"))
                    .hasValue("max-age=31536000");
            HttpResponse<String> byAddress = send(
                    HttpClient.newBuilder().sslContext(trustingTheCa).build(),
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/api/session"))
                            .build());
            assertThat(byAddress.statusCode())
                    .as("by the address the certificate names")
                    .isEqualTo(200);

            SSLParameters onlyTls12 = new SSLParameters();
            onlyTls12.setProtocols(new String[] {"TLSv1.2"});
            HttpClient tls12 = HttpClient.newBuilder()
                    .sslContext(trustingTheCa)
                    .sslParameters(onlyTls12)
                    .build();
            HttpResponse<String> setup = send(
                    tls12,
                    post(
                            base + "/api/setup",
                            Map.of(
                                    "token",
                                    server.setupToken().orElseThrow(),
                                    "login",
                                    "admin",
                                    "password",
                                    PASSWORD)));
            assertThat(setup.statusCode()).as(setup.body()).isEqualTo(201);
            assertThat(setup.sslSession())
                    .hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.2"));
            HttpResponse<String> login =
                    send(tls12, post(base + "/api/session", Map.of("login", "admin", "password", PASSWORD)));
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
                    .contains("Secure")
                    .contains("HttpOnly");

            // A client that does not trust the CA (the JDK's public roots) refuses the server.
            assertThatThrownBy(() -> send(
                            HttpClient.newHttpClient(),
                            HttpRequest.newBuilder(URI.create(base + "/api/session"))
                                    .build()))
                    .isInstanceOf(IOException.class);
            assertThat(openssl("-tls1_2", server.port()))
                    .as("openssl with TLS 1.2")
                    .contains("CONNECTION ESTABLISHED")
                    .contains("Protocol version: TLSv1.2");
            assertThat(openssl("-tls1_1", server.port()))
                    .as("openssl offering only TLS 1.1")
                    .contains("alert protocol version")
                    .doesNotContain("CONNECTION ESTABLISHED");
        }
    }

    @Test
    void behindATlsProxyAnHttpsPublicUrlMarksCookiesSecureAndSendsHsts() throws Exception {
        WebContext context = WebContext.defaults(dir, "proxied", dir.resolve("web-proxied"))
                .withPublicUrl("https://sluice.example.com", false)
                .withListen("127.0.0.1", 0);
        List<String> said = new CopyOnWriteArrayList<>();
        try (InMemoryBackend backend = new InMemoryBackend(dir, "proxied");
                WebServer server = new WebServer(context, said::add)) {
            assertThat(backend.serverName()).isEqualTo("proxied");
            assertThat(said).anyMatch(l -> l.equals("Sluice web server listening on https://sluice.example.com"));
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newHttpClient();
            assertThat(send(
                                    http,
                                    post(
                                            base + "/api/setup",
                                            Map.of(
                                                    "token",
                                                    server.setupToken().orElseThrow(),
                                                    "login",
                                                    "admin",
                                                    "password",
                                                    PASSWORD)))
                            .statusCode())
                    .isEqualTo(201);
            HttpResponse<String> login =
                    send(http, post(base + "/api/session", Map.of("login", "admin", "password", PASSWORD)));
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure");
            assertThat(login.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
        }
    }

    private static HttpRequest post(String uri, Map<String, String> body) {
        return HttpRequest.newBuilder(URI.create(uri))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ApiClient.json(body)))
                .build();
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What openssl s_client says of a handshake offering only {@code version} (security level 0, so 1.1 may be
     * offered).
     */
    private String openssl(String version, int port) throws Exception {
        Process p = new ProcessBuilder(
                        "openssl",
                        "s_client",
                        "-connect",
                        "127.0.0.1:" + port,
                        version,
                        "-cipher",
                        "DEFAULT:@SECLEVEL=0",
                        "-CAfile",
                        dir.resolve("pki")
                                .resolve(CertificateAuthority.CERTIFICATE_FILE)
                                .toString(),
                        "-brief")
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
