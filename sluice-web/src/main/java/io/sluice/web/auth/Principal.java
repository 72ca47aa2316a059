package io.sluice.web.auth;

/**
 * Who is making a request. {@code viaSession} marks cookie authentication, the one a browser sends on its own and
 * therefore the one that needs a CSRF token on changes.
 */
public record Principal(String name, Role role, boolean viaSession, String csrfToken) {
    /** The {@code actor} of JSON calls and audit records. */
    public String actor() {
        return (viaSession ? "user:" : "token:") + name;
    }
}
