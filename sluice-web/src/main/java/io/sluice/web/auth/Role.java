package io.sluice.web.auth;

import java.util.Locale;
import java.util.Optional;

/** What a user or API token may do; each role may do everything the roles before it may. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    public boolean includes(Role required) {
        return ordinal() >= required.ordinal();
    }

    public static Optional<Role> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(text.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
