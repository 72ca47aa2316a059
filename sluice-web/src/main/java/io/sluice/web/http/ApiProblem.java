package io.sluice.web.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem to send instead of a result. Thrown anywhere in a request; the server's exception handler renders
 * it as {@code application/problem+json}.
 */
public final class ApiProblem extends RuntimeException {
    private final int status;
    private final String type;
    private final String field;
    private final String rule;
    private final Map<String, Object> extensions;
    private final String title;
    private final String detail;
    private final long retryAfterSeconds;
    private final boolean ownWords;

    public ApiProblem(
            int status,
            String type,
            String title,
            String detail,
            String field,
            String rule,
            Map<String, Object> extensions) {
        this(status, type, title, detail, field, rule, extensions, 0, false);
    }

    private ApiProblem(
            int status,
            String type,
            String title,
            String detail,
            String field,
            String rule,
            Map<String, Object> extensions,
            long retryAfterSeconds,
            boolean ownWords) {
        super(title + (detail == null ? "" : ": " + detail), null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
        this.ownWords = ownWords;
        this.status = status;
        this.type = type;
        this.field = field;
        this.rule = rule;
        // In the caller's order, and a member may be null (JSON null: "not known").
        this.extensions = extensions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        this.title = title;
        this.detail = detail;
    }

    public static ApiProblem of(int status, String type, String title, String detail) {
        return new ApiProblem(status, type, title, detail, null, null, null);
    }

    /** A request field broke a rule (HTTP 422). */
    public static ApiProblem invalid(String field, String rule, String detail) {
        return new ApiProblem(422, "invalid", "Invalid request", detail, field, rule, null);
    }

    public static ApiProblem badRequest(String type, String detail) {
        return of(400, type, "Bad request", detail);
    }

    public static ApiProblem unavailable(String detail) {
        return of(503, "unavailable", "Service unavailable", detail);
    }

    public static ApiProblem notFound(String detail) {
        return of(404, "not-found", "Not found", detail);
    }

    /** This problem, telling the client to try again after {@code seconds} (a {@code Retry-After} header). */
    public ApiProblem withRetryAfter(long seconds) {
        return new ApiProblem(status, type, title, detail, field, rule, extensions, Math.max(1, seconds), ownWords);
    }

    /**
     * This server-side problem (5xx), shown to the client as it is rather than as {@link #publicView}: its words are
     * the web's own (a standby naming the active), with nothing from another process in them, and not a failure to log.
     */
    public ApiProblem inOwnWords() {
        return new ApiProblem(status, type, title, detail, field, rule, extensions, retryAfterSeconds, true);
    }

    /** True when a 5xx is shown as it is ({@link #inOwnWords}). */
    public boolean ownWords() {
        return ownWords;
    }

    /** Seconds the client should wait before trying again; 0 when the problem does not say. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * What a client is shown of a server-side failure (5xx): the type and a title that depend on the status alone, and
     * the correlation id under which the log keeps the detail. A detail can carry another process's error text (SQL,
     * paths, hosts) that nobody outside should read.
     */
    public ApiProblem publicView(String correlationId) {
        String genericTitle = switch (status) {
            case 502 -> "Bad reply from another process";
            case 503 -> "Service unavailable";
            case 504 -> "Timed out";
            default -> "Internal error";
        };
        return new ApiProblem(
                status,
                type,
                genericTitle,
                "the server log has the details under correlation id " + correlationId,
                null,
                null,
                Map.of("correlationId", correlationId),
                retryAfterSeconds,
                false);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }

    /** The JSON body: standard members, then {@code field}/{@code rule} and any extensions. */
    public Map<String, Object> body(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:sluice:problem:" + type);
        body.put("title", title);
        body.put("status", status);
        if (detail != null) {
            body.put("detail", detail);
        }
        if (instance != null) {
            body.put("instance", instance);
        }
        if (field != null) {
            body.put("field", field);
        }
        if (rule != null) {
            body.put("rule", rule);
        }
        body.putAll(extensions);
        return body;
    }
}
