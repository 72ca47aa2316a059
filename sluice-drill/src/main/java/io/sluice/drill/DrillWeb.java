package io.sluice.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The drill's user of the web API: creates the first admin through the one-time setup link of the server that wrote it,
 * signs in once to issue an operator token, and with that token makes SLA edits on the active and lists the SLAs on
 * whichever server is active later (the token lives in the shared database).
 */
final class DrillWeb {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOGIN = "drill-admin";
    private static final String PASSWORD = "drill-admin-password-17";

    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private String token;

    /** A response: its status and body. */
    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** The setup link the server's web role wrote, or null while it has written none. */
    static String setupToken(PairServer server) {
        Path file = server.dataDir().resolve("web").resolve("setup-link");
        try {
            String link = Files.readString(file).trim();
            int at = link.indexOf("token=");
            return at < 0 ? null : link.substring(at + "token=".length());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The first admin, through {@code server}'s setup token, then an operator token issued by a signed-in admin: false
     * if the web refused the setup token (another web's replaced it) or refused to change anything (a standby).
     */
    boolean signIn(PairServer server, String setupToken) throws IOException, InterruptedException {
        Answer setup = send(
                server,
                "POST",
                "/api/setup",
                Map.of("token", setupToken, "login", LOGIN, "password", PASSWORD),
                Map.of());
        if (setup.status() == 403 || setup.status() == 503) {
            return false; // another web's token replaced this one, or this web does not act (yet): a standby refuses
        }
        check(setup, "the first admin's setup", 200, 201);
        Answer session = send(server, "POST", "/api/session", Map.of("login", LOGIN, "password", PASSWORD), Map.of());
        check(session, "signing in", 200);
        String csrf = session.json().path("csrfToken").asText();
        Answer issued = send(
                server,
                "POST",
                "/api/tokens",
                Map.of("name", "failover-drill", "role", "OPERATOR"),
                Map.of("X-CSRF-Token", csrf));
        check(issued, "issuing an operator token", 200, 201);
        token = issued.json().path("token").asText();
        return true;
    }

    /** Creates an SLA named {@code name} through {@code server}'s web: the answer (201 when stored). */
    Answer createSla(PairServer server, String name, int volumeId) throws IOException, InterruptedException {
        return send(
                server,
                "POST",
                "/api/slas",
                Map.of(
                        "name",
                        name,
                        "scope",
                        Map.of("kind", "VOLUME", "id", Integer.toString(volumeId)),
                        "iopsLimit",
                        100_000,
                        "priority",
                        "STANDARD"),
                Map.of("Authorization", "Bearer " + token));
    }

    /** The names of the SLAs {@code server}'s web lists, or null if it did not answer 200. */
    Set<String> slaNames(PairServer server) throws IOException, InterruptedException {
        Answer list = send(server, "GET", "/api/slas", null, Map.of("Authorization", "Bearer " + token));
        if (list.status() != 200) {
            return null;
        }
        Set<String> names = new HashSet<>();
        JsonNode root = list.json();
        for (JsonNode sla : root.isArray() ? root : root.path("items")) {
            names.add(sla.path("name").asText());
        }
        return names;
    }

    private Answer send(PairServer server, String method, String path, Object body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.webUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    private static void check(Answer answer, String what, int... expected) {
        for (int status : expected) {
            if (answer.status() == status) {
                return;
            }
        }
        throw new IllegalStateException(what + " answered " + answer);
    }
}
