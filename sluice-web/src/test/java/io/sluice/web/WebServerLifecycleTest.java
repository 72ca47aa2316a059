package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.SupervisorStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web role starts before the other processes, and a hung callee costs a request only the call timeout. */
class WebServerLifecycleTest {
    @TempDir
    Path dir;

    private WebContext context(String name) {
        return WebContext.defaults(dir, name, dir.resolve("web-" + name))
                .withListen("127.0.0.1", 0)
                .withCallTimeout(Duration.ofMillis(500));
    }

    @Test
    void startsWithoutTheOtherProcessesAndOffersSetupOnceTheDatabaseAnswers() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        try (WebServer server = new WebServer(context("late"), said::add)) {
            ApiClient api = new ApiClient("http://127.0.0.1:" + server.port());
            assertThat(said).anyMatch(l -> l.startsWith("Sluice web server listening on http://127.0.0.1:"));
            assertThat(server.setupToken()).isEmpty();
            ApiClient.Response down =
                    api.post("/api/session", Map.of("login", "admin", "password", "x".repeat(12)), Credentials.NONE);
            assertThat(down.status()).isEqualTo(503);
            try (InMemoryBackend backend = new InMemoryBackend(dir, "late")) {
                assertThat(backend.serverName()).isEqualTo("late");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (server.setupToken().isEmpty()) {
                    assertThat(System.nanoTime())
                            .as("setup token after the database came up")
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
                // The link is in a file only the server's user may read, never in what it says (its log).
                Path link = dir.resolve("web-late").resolve(WebServer.SETUP_LINK_FILE);
                assertThat(Files.readString(link))
                        .contains("/#/setup?token=" + server.setupToken().orElseThrow());
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(link)))
                        .isEqualTo("rw-------");
                assertThat(said)
                        .anyMatch(l -> l.contains(link.toString()))
                        .noneMatch(l -> l.contains(server.setupToken().orElseThrow()));
            }
        }
    }

    /**
     * The first admin's token lives in the shared database and a newer one replaces the older, so a standby's web must
     * not issue one: it refuses the setup request itself, and its token would leave no web that accepts one.
     */
    @Test
    void aStandbysWebOffersNoSetupUntilItIsPromoted() throws Exception {
        String name = "paired";
        SupervisorStatus supervisor = new SupervisorStatus(dir.resolve("status.json"), "sla-b.example:7070");
        supervisor.write("standby", "sla-a.example:7070", 3);
        try (InMemoryBackend backend = new InMemoryBackend(dir, name);
                WebServer server = new WebServer(context(name).withPairStatus(supervisor.file()), line -> {})) {
            ApiClient api = new ApiClient("http://127.0.0.1:" + server.port());
            // The database answers (a read goes through), and the setup check runs again every 2 s: two turns of it.
            assertThat(api.get("/api/health", Credentials.NONE).status()).isNotEqualTo(404);
            Thread.sleep(4_500);
            assertThat(server.setupToken()).as("a standby's setup token").isEmpty();
            assertThat(dir.resolve("web-" + name).resolve(WebServer.SETUP_LINK_FILE))
                    .doesNotExist();

            supervisor.write("active", "sla-b.example:7070", 4);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (server.setupToken().isEmpty()) {
                assertThat(System.nanoTime())
                        .as("setup token after the promotion")
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(api.post(
                                    "/api/setup",
                                    Map.of(
                                            "token",
                                            server.setupToken().orElseThrow(),
                                            "login",
                                            "admin",
                                            "password",
                                            "x".repeat(12)),
                                    Credentials.NONE)
                            .status())
                    .isEqualTo(201);
        }
    }

    @Test
    void aCalleeThatTakesNoCallsGivesA503AfterTheTimeout() throws Exception {
        String name = "hung";
        try (InMemoryBackend backend = new InMemoryBackend(dir, name);
                WebServer server = new WebServer(context(name), line -> {})) {
            backend.stopServices();
            // Attached and alive, but never polls: the shape of a hung process.
            try (Mailbox mailbox =
                            Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                    MailboxCallee hung = MailboxCallee.attach(mailbox)) {
                assertThat(hung.calleeIndex()).isNotNegative();
                ApiClient api = new ApiClient("http://127.0.0.1:" + server.port());
                String token = server.setupToken().orElseThrow();
                assertThat(api.post(
                                        "/api/setup",
                                        Map.of("token", token, "login", "admin", "password", "x".repeat(12)),
                                        Credentials.NONE)
                                .status())
                        .isEqualTo(201);
                ApiClient.Response session = api.post(
                        "/api/session", Map.of("login", "admin", "password", "x".repeat(12)), Credentials.NONE);
                String cookie = session.header("Set-Cookie").split(";")[0];
                Credentials admin = Credentials.session(
                        cookie, session.json().path("csrfToken").asText());
                for (int i = 0; i < 3; i++) {
                    ApiClient.Response r = api.get("/api/forecasts", admin);
                    assertThat(r.status()).isEqualTo(503);
                    // Never taken: withdrawn, so the user knows nothing happened.
                    assertThat(r.json().path("type").asText()).isEqualTo("urn:sluice:problem:not-done");
                }
                // The timed-out calls were revoked, so they do not pile up in the services' slots: at most
                // the live feed's call of this second is still posted.
                assertThat(api.get("/api/health", admin)
                                .json()
                                .path("mailboxes")
                                .path(1)
                                .path("posted")
                                .asInt())
                        .isLessThanOrEqualTo(1);
            }
        }
    }
}
