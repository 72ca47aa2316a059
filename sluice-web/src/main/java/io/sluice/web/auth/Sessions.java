package io.sluice.web.auth;

import io.sluice.common.EpochClock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions, in memory: a restart of the web role logs everyone out, which is the safe side.
 * A session ends after {@code idleMillis} without a request or {@code maxMillis} after login.
 */
public final class Sessions {
    public record Session(String id, String login, Role role, String csrfToken, long createdAt, long lastSeen) {
    }

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final EpochClock clock;
    private final long idleMillis;
    private final long maxMillis;

    public Sessions(EpochClock clock, long idleMillis, long maxMillis) {
        this.clock = clock;
        this.idleMillis = idleMillis;
        this.maxMillis = maxMillis;
    }

    public Session open(String login, Role role) {
        long now = clock.epochMillis();
        Session s = new Session(Secrets.newToken(""), login, role, Secrets.newToken(""), now, now);
        byId.put(s.id(), s);
        return s;
    }

    public Optional<Session> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        long now = clock.epochMillis();
        Session s = byId.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (now - s.lastSeen() > idleMillis || now - s.createdAt() > maxMillis) {
            byId.remove(id, s);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.login(), s.role(), s.csrfToken(), s.createdAt(), now);
        byId.replace(id, s, touched);
        return Optional.of(touched);
    }

    public void close(String id) {
        if (id != null) {
            byId.remove(id);
        }
    }

    /** Ends every session of a user (role change, disabling, password change). */
    public void closeAllOf(String login) {
        byId.values().removeIf(s -> s.login().equals(login));
    }
}
