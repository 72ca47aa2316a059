package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.WebTestBase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A live stream ends with what let it open: its session, its token, or its user's standing. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveStreamEndTest extends WebTestBase {
    private static final String END = "\u0000end";
    private final ManualEpochClock clock = new ManualEpochClock(System.currentTimeMillis());

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        return super.context(mailboxDir, serverName).withClock(clock);
    }

    /** An event-stream reader over a real HTTP connection: the event names it saw, then {@link #END}. */
    private final class EventStream implements AutoCloseable {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final Thread reader;

        EventStream(Credentials who) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base() + "/api/live/stream"))
                    .header("Accept", "text/event-stream");
            if (who.cookie() != null) {
                b.header("Cookie", who.cookie());
            }
            if (who.bearer() != null) {
                b.header("Authorization", "Bearer " + who.bearer());
            }
            HttpResponse<Stream<String>> response =
                    HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            reader = Thread.ofVirtual().start(() -> {
                try (Stream<String> lines = response.body()) {
                    lines.filter(l -> l.startsWith("event:"))
                            .forEach(l -> events.add(l.substring(6).trim()));
                } catch (RuntimeException e) {
                    // a reset connection ends the stream as well
                }
                events.add(END);
            });
        }

        void awaitLiveEvent() throws InterruptedException {
            assertThat(events.poll(30, TimeUnit.SECONDS)).isEqualTo("live");
        }

        /** True once the server has ended the stream; events still arriving until the deadline mean it did not. */
        boolean ended() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                String next = events.poll(1, TimeUnit.SECONDS);
                if (END.equals(next)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            reader.interrupt();
        }
    }

    @Test
    void signingOutEndsTheSessionsStreamAndOnlyThatOne() throws Exception {
        Credentials session = login("viewer", PASSWORD);
        try (EventStream mine = new EventStream(session);
                EventStream other = new EventStream(Credentials.token(viewerToken))) {
            mine.awaitLiveEvent();
            other.awaitLiveEvent();
            assertThat(api.delete("/api/session", session, Map.of()).status()).isEqualTo(204);
            assertThat(mine.ended()).as("the signed-out session's stream ended").isTrue();
            other.events.clear();
            other.awaitLiveEvent();
        }
    }

    @Test
    void revokingATokenEndsItsStream() throws Exception {
        ApiClient.Response created = api.post("/api/tokens", Map.of("name", "streamer", "role", "VIEWER"), admin);
        String token = created.json().path("token").asText();
        try (EventStream stream = new EventStream(Credentials.token(token))) {
            stream.awaitLiveEvent();
            assertThat(api.delete("/api/tokens/streamer", admin, Map.of()).status())
                    .isEqualTo(200);
            assertThat(stream.ended()).as("the revoked token's stream ended").isTrue();
        }
    }

    /** Last: it ends every session of this server. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aSessionThatExpiresEndsItsStreamWithoutAnyRequest() throws Exception {
        Credentials session = login("viewer", PASSWORD);
        try (EventStream stream = new EventStream(session)) {
            stream.awaitLiveEvent();
            clock.advance(8 * 3_600_000L + 1);
            assertThat(stream.ended()).as("the idle session's stream ended").isTrue();
        }
    }

    @Test
    void disablingAUserEndsTheirStreams() throws Exception {
        assertThat(api.post("/api/users", Map.of("login", "watcher", "role", "VIEWER", "password", PASSWORD), admin)
                        .status())
                .isEqualTo(201);
        Credentials watcher = login("watcher", PASSWORD);
        try (EventStream stream = new EventStream(watcher)) {
            stream.awaitLiveEvent();
            assertThat(api.put("/api/users/watcher", Map.of("disabled", true), admin, Map.of())
                            .status())
                    .isEqualTo(200);
            assertThat(stream.ended()).as("the disabled user's stream ended").isTrue();
        }
    }
}
