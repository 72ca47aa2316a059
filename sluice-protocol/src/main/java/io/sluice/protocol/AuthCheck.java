package io.sluice.protocol;

/** The result of checking a gateway's answer to a challenge. */
public enum AuthCheck {
    /** The answer proves the gateway holds its key. */
    VALID,
    /** The answer is not the HMAC of this challenge with this key. */
    WRONG_ANSWER,
    /** The answer was already given: to this challenge (a second AUTH), or to an earlier one. */
    REPLAYED,
    /** The answer came after the challenge's time to live. */
    EXPIRED,
    /** No challenge was issued on this connection: AUTH before CHALLENGE. */
    NO_CHALLENGE
}
