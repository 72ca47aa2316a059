package io.sluice.gateway.link;

/** The monitor link's state. */
public enum LinkState {
    /** Opening the TCP connection. */
    CONNECTING,
    /** Connected: HELLO sent, waiting for CHALLENGE or AUTH_RESULT. */
    HANDSHAKE,
    /** Authenticated and registered: answering polls, taking throttle sets. */
    IN_SESSION,
    /** Not connected; waiting before the next attempt. Limits in force stay as they are (fail-static). */
    BACKING_OFF,
    /** Closed. */
    STOPPED
}
