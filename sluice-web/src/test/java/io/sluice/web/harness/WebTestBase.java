package io.sluice.web.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.WebContext;
import io.sluice.web.WebServer;
import io.sluice.web.harness.ApiClient.Credentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A real web server on a random loopback port in front of a {@link Backend}, set up the way a person would: the first
 * admin through the one-time setup token, then an operator and a viewer, each with a browser session and an API token.
 * Subclasses in another module override {@link #startBackend} to run the same tests against the real database manager
 * and SLA services (whose {@link Backend#callTimeout} says how long the web waits for them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class WebTestBase {
    protected static final String PASSWORD = "correct horse battery staple";

    protected Path dir;
    protected Backend backend;
    protected WebServer server;
    protected ApiClient api;
    protected Seeder seeder;
    protected Credentials admin;
    protected Credentials operator;
    protected Credentials viewer;
    protected String adminToken;
    protected String operatorToken;
    protected String viewerToken;

    /** The processes behind the web server; in-memory unless a subclass says otherwise. */
    protected Backend startBackend(Path mailboxDir, String serverName) {
        return new InMemoryBackend(mailboxDir, serverName);
    }

    /** The web server's configuration, with the call timeout {@link #backend} asks for; called once it has started. */
    protected WebContext context(Path mailboxDir, String serverName) {
        return WebContext.defaults(mailboxDir, serverName, mailboxDir.resolve("web-data"))
                .withListen("127.0.0.1", 0)
                .withCallTimeout(backend.callTimeout());
    }

    @BeforeAll
    void startWebServer() throws IOException {
        dir = Files.createTempDirectory("sluice-web-test");
        String name = "t" + ProcessHandle.current().pid() + "-" + Integer.toHexString(System.identityHashCode(this));
        backend = startBackend(dir, name);
        server = new WebServer(context(dir, name), line -> {});
        api = new ApiClient("http://127.0.0.1:" + server.port());
        seeder = new Seeder(backend);
        String token = server.setupToken().orElseThrow(() -> new AssertionError("no setup token on a fresh start"));
        ApiClient.Response setup = api.post(
                "/api/setup", Map.of("token", token, "login", "admin", "password", PASSWORD), Credentials.NONE);
        assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
        admin = login("admin", PASSWORD);
        for (String role : new String[] {"operator", "viewer"}) {
            ApiClient.Response created = api.post(
                    "/api/users", Map.of("login", role, "role", role.toUpperCase(), "password", PASSWORD), admin);
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
        operator = login("operator", PASSWORD);
        viewer = login("viewer", PASSWORD);
        adminToken = token("automation-admin", "ADMIN");
        operatorToken = token("automation-operator", "OPERATOR");
        viewerToken = token("automation-viewer", "VIEWER");
    }

    @AfterAll
    void stopWebServer() throws IOException {
        if (seeder != null) {
            seeder.close();
        }
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    protected Credentials login(String login, String password) {
        ApiClient.Response r = api.post("/api/session", Map.of("login", login, "password", password), Credentials.NONE);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String setCookie = r.header("Set-Cookie");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        return Credentials.session(cookie, r.json().path("csrfToken").asText());
    }

    private String token(String name, String role) {
        ApiClient.Response r = api.post("/api/tokens", Map.of("name", name, "role", role), admin);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("token").asText();
    }
}
