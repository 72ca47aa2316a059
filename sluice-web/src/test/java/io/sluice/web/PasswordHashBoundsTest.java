package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.auth.BoundedHashing;
import io.sluice.web.auth.PasswordHasher;
import io.sluice.web.auth.PasswordHashing;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who can make the web role spend an Argon2 hash, and how many it spends at once. */
class PasswordHashBoundsTest {
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path dir;

    /** Real (cheap) Argon2 that counts every hash and can be held inside it until a test lets go. */
    static final class ObservedHashing implements PasswordHashing {
        final PasswordHasher real = new PasswordHasher(64, 1, 1);
        final AtomicInteger hashes = new AtomicInteger();
        final AtomicInteger inside = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);

        private <T> T observe(Supplier<T> work) {
            hashes.incrementAndGet();
            inside.incrementAndGet();
            try {
                hold.await();
                return work.get();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public String hash(char[] password) {
            return observe(() -> real.hash(password));
        }

        @Override
        public boolean verify(char[] password, String encoded) {
            return observe(() -> real.verify(password, encoded));
        }

        @Override
        public void burnOneVerification(char[] password) {
            observe(() -> {
                real.burnOneVerification(password);
                return null;
            });
        }
    }

    private WebContext context(String name) {
        return WebContext.defaults(dir, name, dir.resolve("web-" + name))
                .withListen("127.0.0.1", 0)
                .withCallTimeout(Duration.ofSeconds(5));
    }

    @Test
    void theSetupTokenIsCheckedBeforeAnyHashAndNoneIsSpentOnceSetupIsDone() {
        ObservedHashing hashing = new ObservedHashing();
        try (InMemoryBackend backend = new InMemoryBackend(dir, "setup");
                WebServer server = new WebServer(context("setup"), line -> {}, hashing)) {
            ApiClient api = new ApiClient("http://127.0.0.1:" + server.port());
            String token = server.setupToken().orElseThrow();
            ApiClient.Response wrong = api.post(
                    "/api/setup",
                    Map.of("token", "setup_guess", "login", "admin", "password", PASSWORD),
                    Credentials.NONE);
            assertThat(wrong.status()).isEqualTo(403);
            assertThat(hashing.hashes).as("hashes for a wrong token").hasValue(0);

            assertThat(api.post(
                                    "/api/setup",
                                    Map.of("token", token, "login", "admin", "password", PASSWORD),
                                    Credentials.NONE)
                            .status())
                    .isEqualTo(201);
            assertThat(hashing.hashes).hasValue(1);
            int setupReadsAfterSetup = backend.dbCalls("setting.get");
            for (String attempt : new String[] {token, "setup_guess"}) {
                ApiClient.Response late = api.post(
                        "/api/setup",
                        Map.of("token", attempt, "login", "mallory", "password", PASSWORD),
                        Credentials.NONE);
                assertThat(late.status()).isEqualTo(409);
                assertThat(late.problemType()).isEqualTo("setup-done");
            }
            assertThat(hashing.hashes).as("hashes after setup").hasValue(1);
            assertThat(backend.dbCalls("setting.get"))
                    .as("database reads after setup")
                    .isEqualTo(setupReadsAfterSetup);
        }
    }

    @Test
    void concurrentHashesAreBoundedAndRequestsBeyondTheQueueAre503WithRetryAfter() throws Exception {
        ObservedHashing hashing = new ObservedHashing();
        try (InMemoryBackend backend = new InMemoryBackend(dir, "burst");
                WebServer server = new WebServer(context("burst"), line -> {}, hashing)) {
            ApiClient api = new ApiClient("http://127.0.0.1:" + server.port());
            assertThat(backend.serverName()).isEqualTo("burst");
            assertThat(api.post(
                                    "/api/setup",
                                    Map.of(
                                            "token",
                                            server.setupToken().orElseThrow(),
                                            "login",
                                            "admin",
                                            "password",
                                            PASSWORD),
                                    Credentials.NONE)
                            .status())
                    .isEqualTo(201);
            ApiClient.Response token = api.post("/api/tokens", Map.of("name", "burst", "role", "ADMIN"), login(api));
            String bearer = token.json().path("token").asText();

            BoundedHashing bound = server.passwordHashes();
            int admitted = bound.running() + bound.waiting();
            int beyond = 5;
            hashing.hold = new CountDownLatch(1);
            HttpClient http = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < admitted + beyond; i++) {
                HttpRequest create = HttpRequest.newBuilder(URI.create(api.base() + "/api/users"))
                        .header("Authorization", "Bearer " + bearer)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                ApiClient.json(Map.of("login", "user" + i, "role", "VIEWER", "password", PASSWORD))))
                        .build();
                answers.add(http.sendAsync(create, HttpResponse.BodyHandlers.ofString()));
            }
            // Those beyond the queue are answered while the admitted ones are still held inside or before a hash.
            awaitCondition(
                    () -> answers.stream().filter(CompletableFuture::isDone).count() == beyond
                            && hashing.inside.get() == bound.running());
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                if (answer.isDone()) {
                    assertThat(answer.get().statusCode()).isEqualTo(503);
                    assertThat(answer.get().headers().firstValue("Retry-After")).hasValue("1");
                    assertThat(answer.get().body()).contains("urn:sluice:problem:busy");
                }
            }
            hashing.hold.countDown();
            int created = 0;
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                if (answer.get(60, TimeUnit.SECONDS).statusCode() == 201) {
                    created++;
                }
            }
            assertThat(created).isEqualTo(admitted);
            assertThat(bound.peak()).isEqualTo(bound.running());
            assertThat(bound.refused()).isEqualTo(beyond);
        }
    }

    private static Credentials login(ApiClient api) {
        ApiClient.Response r =
                api.post("/api/session", Map.of("login", "admin", "password", PASSWORD), Credentials.NONE);
        String cookie = r.header("Set-Cookie").split(";")[0];
        return Credentials.session(cookie, r.json().path("csrfToken").asText());
    }

    private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
