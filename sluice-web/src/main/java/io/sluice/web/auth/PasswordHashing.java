package io.sluice.web.auth;

/** Making and checking password hashes: the one costly thing an anonymous client can ask of the web role. */
public interface PasswordHashing {
    String hash(char[] password);

    /** False for a wrong password and for anything that is not a hash this can check. */
    boolean verify(char[] password, String encoded);

    /** Spends the time of one verification without a user to check against. */
    void burnOneVerification(char[] password);
}
