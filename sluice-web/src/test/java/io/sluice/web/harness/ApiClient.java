package io.sluice.web.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** Plain HTTP against the server under test: each request names its credentials explicitly. */
public final class ApiClient {
    /** Who sends a request: nobody, a browser session (cookie + CSRF token), or an API token. */
    public record Credentials(String cookie, String csrf, String bearer) {
        public static final Credentials NONE = new Credentials(null, null, null);

        public static Credentials session(String cookie, String csrf) {
            return new Credentials(cookie, csrf, null);
        }

        public static Credentials token(String token) {
            return new Credentials(null, null, token);
        }

        public Credentials withoutCsrf() {
            return new Credentials(cookie, null, bearer);
        }

        public Credentials withCsrf(String other) {
            return new Credentials(cookie, other, bearer);
        }
    }

    public record Response(int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        /** The problem type without its URN prefix, or null when the body is not a problem. */
        public String problemType() {
            if (contentType() == null || !contentType().startsWith("application/problem+json")) {
                return null;
            }
            return json().path("type").asText().replace("urn:sluice:problem:", "");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(String base) {
        this.base = base;
    }

    public String base() {
        return base;
    }

    public Response get(String path, Credentials who) {
        return send("GET", path, null, null, who, Map.of());
    }

    public Response post(String path, Object body, Credentials who) {
        return send("POST", path, json(body), "application/json", who, Map.of());
    }

    public Response put(String path, Object body, Credentials who, Map<String, String> headers) {
        return send("PUT", path, json(body), "application/json", who, headers);
    }

    public Response delete(String path, Credentials who, Map<String, String> headers) {
        return send("DELETE", path, null, null, who, headers);
    }

    public static String json(Object body) {
        if (body == null || body instanceof String) {
            return (String) body;
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A JSON body sent chunked, without Content-Length, so only the server's read limit can stop it. */
    public Response sendStreamed(String method, String path, String body, Credentials who) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        HttpRequest.BodyPublishers.ofInputStream(
                                () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
                .header("Content-Type", "application/json");
        if (who.cookie() != null) {
            b.header("Cookie", who.cookie());
        }
        if (who.csrf() != null) {
            b.header("X-CSRF-Token", who.csrf());
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Any request; a server-sent event stream is closed as soon as its headers arrive. */
    public Response send(
            String method, String path, String body, String contentType, Credentials who, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (who.cookie() != null) {
            b.header("Cookie", who.cookie());
        }
        if (who.csrf() != null) {
            b.header("X-CSRF-Token", who.csrf());
        }
        if (who.bearer() != null) {
            b.header("Authorization", "Bearer " + who.bearer());
        }
        headers.forEach(b::header);
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                String text = r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")
                        ? ""
                        : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return new Response(r.statusCode(), r.headers(), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
