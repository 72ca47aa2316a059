package io.sluice.web.auth;

import io.sluice.common.EpochClock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Browser sessions, in memory: a restart of the web role logs everyone out, which is the safe side. A session ends
 * after {@code idleMillis} without a request or {@code maxMillis} after login.
 */
public final class Sessions {
    public record Session(String id, String login, Role role, String csrfToken, long createdAt, long lastSeen) {}

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final EpochClock clock;
    private final long idleMillis;
    private final long maxMillis;
    private final List<Consumer<String>> endListeners = new CopyOnWriteArrayList<>();

    public Sessions(EpochClock clock, long idleMillis, long maxMillis) {
        this.clock = clock;
        this.idleMillis = idleMillis;
        this.maxMillis = maxMillis;
    }

    /** {@code listener} is told the id of every session that ends: signed out, closed, or found expired. */
    public void onEnd(Consumer<String> listener) {
        endListeners.add(listener);
    }

    /** Whether {@code id} is a session that has not ended, without counting this as its use. */
    public boolean isLive(String id) {
        Session s = id == null ? null : byId.get(id);
        long now = clock.epochMillis();
        return s != null && now - s.lastSeen() <= idleMillis && now - s.createdAt() <= maxMillis;
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
            if (byId.remove(id, s)) {
                ended(id);
            }
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.login(), s.role(), s.csrfToken(), s.createdAt(), now);
        byId.replace(id, s, touched);
        return Optional.of(touched);
    }

    public void close(String id) {
        if (id != null && byId.remove(id) != null) {
            ended(id);
        }
    }

    /** Ends every session of a user (role change, disabling, password change). */
    public void closeAllOf(String login) {
        for (Session s : byId.values()) {
            if (s.login().equals(login) && byId.remove(s.id()) != null) {
                ended(s.id());
            }
        }
    }

    private void ended(String id) {
        for (Consumer<String> listener : endListeners) {
            listener.accept(id);
        }
    }
}
